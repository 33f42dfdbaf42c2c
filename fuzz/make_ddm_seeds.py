#!/usr/bin/env python3
"""Writes the committed seeds of the DDM fuzz targets under fuzz/seeds/ddm_declaration/ and
fuzz/seeds/ddm_status/.

Every seed is a literal below, written by hand for this project after the key names of Apple's
Declarative Device Management schema, with invented identifiers, tokens and values. Nothing is
copied from captured traffic, the project's shared fixtures or other projects.
Run from anywhere: python3 fuzz/make_ddm_seeds.py
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")


def decl(ty, ident, token, payload, **extra):
    d = {"Type": ty, "Identifier": ident, "ServerToken": token, "Payload": payload}
    d.update(extra)
    return d


DECLARATIONS = {
    "activation_simple.json": decl(
        "com.apple.activation.simple", "act-1", "t1",
        {"StandardConfigurations": ["passcode-1", "account-1"],
         "Predicate": "@status(device.model.family) == 'iPad'"}),
    "passcode.json": decl(
        "com.apple.configuration.passcode.settings", "passcode-1", "t2",
        {"MinimumLength": 8, "RequireAlphanumericPasscode": True, "MaximumFailedAttempts": 10}),
    "account_mail.json": decl(
        "com.apple.configuration.account.mail", "account-1", "t3",
        {"UserIdentityAssetReference": "identity-1",
         "IncomingServer": {"ServerType": "IMAP", "HostName": "imap.example.test", "Port": 993,
                            "AuthenticationMethod": "Password",
                            "AuthenticationCredentialsAssetReference": "cred-1"},
         "OutgoingServer": {"HostName": "smtp.example.test", "Port": 587,
                            "AuthenticationMethod": "Password"}}),
    "asset_data.json": decl(
        "com.apple.asset.data", "logo-1", "t4",
        {"Reference": {"DataURL": "https://assets.example.test/logo.png",
                       "ContentType": "image/png", "Size": 2048,
                       "Hash-SHA-256": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"},
         "Authentication": {"Type": "None"}}),
    "asset_userpassword.json": decl(
        "com.apple.asset.credential.userpassword", "cred-1", "t5",
        {"Reference": {"DataURL": "https://assets.example.test/cred.json",
                       "ContentType": "application/json"}}),
    "management_properties.json": decl(
        "com.apple.management.properties", "props-1", "t6",
        {"site": "north", "floor": 3, "flags": [True, False]}),
    "status_subscriptions.json": decl(
        "com.apple.configuration.management.status-subscriptions", "subs-1", "t7",
        {"StatusItems": [{"Name": "device.operating-system.version"},
                         {"Name": "management.declarations"}]}),
    "unknown_type.json": decl(
        "com.apple.configuration.future.widget", "w-1", "t8",
        {"Nested": {"List": [1, -2, 3.5, "x\u00e9\\n"]}}, XEnvelopeKey={"kept": True}),
    "credential_userpassword.json": {"UserName": "jdoe", "Password": "not-a-real-password"},
    "credential_identity.json": {"Identity": "MIIBAgEDMA==", "Password": "not-a-real-password"},
    "tokens.json": {"SyncTokens": {"DeclarationsToken": "0f1e2d3c", "Timestamp": "2024-05-01T12:00:00Z"}},
    "declaration_items.json": {
        "Declarations": {
            "Activations": [{"Identifier": "act-1", "ServerToken": "t1"}],
            "Configurations": [{"Identifier": "passcode-1", "ServerToken": "t2"}],
            "Assets": [{"Identifier": "logo-1", "ServerToken": "t4"}],
            "Management": []},
        "DeclarationsToken": "0f1e2d3c"},
}

STATUS = {
    "full.json": {
        "StatusItems": {
            "device": {
                "identifier": {"serial-number": "SERIAL0001", "udid": "0000-AAAA"},
                "model": {"family": "iPad", "identifier": "iPad13,1", "marketing-name": "iPad Air"},
                "operating-system": {"build-version": "21E219", "family": "iPadOS", "version": "17.4",
                                     "supplemental": {"build-version": "21E219a", "extra-version": "(a)"}},
                "power": {"battery-health": "normal"}},
            "management": {
                "client-capabilities": {"supported-versions": ["1.0.0"],
                                        "supported-payloads": {"status-items": ["device.model.family"],
                                                               "declarations": {"configurations": ["com.apple.configuration.passcode.settings"]}}},
                "declarations": {
                    "activations": [{"identifier": "act-1", "server-token": "t1", "active": True, "valid": "valid"}],
                    "configurations": [{"identifier": "passcode-1", "server-token": "t2", "active": False, "valid": "invalid",
                                        "reasons": [{"code": "Error.ConfigurationCannotBeApplied", "description": "d",
                                                     "details": {"Error": "e"}}]}],
                    "assets": [], "management": []}},
            "passcode": {"is-compliant": True, "is-present": True},
            "softwareupdate": {"install-state": "downloading", "pending-version": {"os-version": "17.5", "build-version": "21F79"}},
            "security": {"certificate": {"list": [{"identifier": "c1", "common-name": "Example CA", "is-identity": False,
                                                   "data": "MIIBAAAA"}]}},
            "vendor": {"extra": [1, 2]}},
        "Errors": [{"StatusItem": "account.list.mail.incoming", "Reasons": [{"Code": "Error.NotSupported"}]}]},
    "first.json": {"StatusItems": {"management": {"declarations": {"activations": [], "configurations": [], "assets": [], "management": []}}}, "Errors": []},
    "full_report.json": {"StatusItems": {"test": {"string-value": "x", "integer-value": 1, "boolean-value": True}}, "Errors": [], "FullReport": True},
}


def write(target, name, doc):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


for name, doc in DECLARATIONS.items():
    write("ddm_declaration", name, doc)
for name, doc in STATUS.items():
    write("ddm_status", name, doc)
