#!/usr/bin/env python3
"""Writes the committed seeds of the mde2_provisioning fuzz target (fuzz/seeds/mde2_provisioning/).

Every seed is a hand-written wap-provisioningdoc modelled on the layout of Microsoft's MS-MDE2
enrollment samples, with invented identifiers and placeholder certificate bytes. Nothing is
copied from captured traffic. Run from anywhere: python3 fuzz/make_provisioning_seeds.py
"""

import base64
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "seeds", "mde2_provisioning")

PROLOG = '<?xml version="1.0" encoding="UTF-8"?>'
ROOT_TP = "0123456789ABCDEF0123456789ABCDEF01234567"
CLIENT_TP = "89ABCDEF0123456789ABCDEF0123456789ABCDEF"
CERT = base64.b64encode(bytes(range(48))).decode()


def parm(name, value=None, datatype=None):
    attrs = f' name="{name}"'
    if value is not None:
        attrs += f' value="{value}"'
    if datatype is not None:
        attrs += f' datatype="{datatype}"'
    return f"<parm{attrs} />"


def ch(type_, *children):
    if not children:
        return f'<characteristic type="{type_}" />'
    return f'<characteristic type="{type_}">' + "".join(children) + "</characteristic>"


def doc(*children, version="1.1"):
    return PROLOG + f'<wap-provisioningdoc version="{version}">' + "".join(children) + "</wap-provisioningdoc>"


APPLICATION = ch(
    "APPLICATION",
    parm("APPID", "w7"),
    parm("PROVIDER-ID", "MDMKIT"),
    parm("NAME", "Example MDM"),
    parm("ADDR", "https://mdm.example.com/ManagementServer/MDM.svc"),
    parm("ServerList", "https://mdm.example.com/ManagementServer/ServerList.svc"),
    parm("ROLE", "4294967295"),
    parm("CONNRETRYFREQ", "6"),
    parm("INITIALBACKOFFTIME", "30000"),
    parm("MAXBACKOFFTIME", "120000"),
    parm("BACKCOMPATRETRYDISABLED"),
    parm("DEFAULTENCODING", "application/vnd.syncml.dm+xml"),
    parm("SSLCLIENTCERTSEARCHCRITERIA", "Subject=CN%3DDEVICE&amp;Stores=MY%5CSystem"),
    ch("APPAUTH", parm("AAUTHLEVEL", "CLIENT"), parm("AAUTHTYPE", "DIGEST"),
       parm("AAUTHSECRET", "server-secret"), parm("AAUTHDATA", "bm9uY2U=")),
    ch("APPAUTH", parm("AAUTHLEVEL", "APPSRV"), parm("AAUTHTYPE", "DIGEST"),
       parm("AAUTHNAME", "device"), parm("AAUTHSECRET", "device-secret"),
       parm("AAUTHDATA", "bm9uY2U=")),
)

STORE = ch(
    "CertificateStore",
    ch("Root", ch("System", ch(ROOT_TP, parm("EncodedCertificate", CERT)))),
    ch("CA", ch("System", ch(CLIENT_TP, parm("EncodedCertificate", CERT)))),
    ch("My",
       ch("User", ch(CLIENT_TP, parm("EncodedCertificate", CERT)), ch("PrivateKeyContainer")),
       ch("WSTEP", ch("Renew", parm("ROBOSupport", "true", "boolean"),
                      parm("RenewPeriod", "42", "integer"),
                      parm("RetryInterval", "7", "integer")))),
)

DMCLIENT = ch(
    "DMClient",
    ch("Provider", ch(
        "MDMKIT",
        parm("EntDMID", "DEVICE-1"),
        parm("UPN", "user@example.com", "string"),
        ch("Poll",
           parm("NumberOfFirstRetries", "8", "integer"),
           parm("IntervalForFirstSetOfRetries", "15", "integer"),
           parm("NumberOfSecondRetries", "5", "integer"),
           parm("IntervalForSecondSetOfRetries", "3", "integer"),
           parm("NumberOfRemainingScheduledRetries", "0", "integer"),
           parm("IntervalForRemainingScheduledRetries", "1560", "integer"),
           parm("PollOnLogin", "true", "boolean"),
           parm("AllUsersPollOnFirstLogin", "false", "boolean")),
        parm("EntDeviceName", "Administrator_Windows", "string"),
    )),
)

SEEDS = {
    "full.xml": doc(STORE, APPLICATION, DMCLIENT),
    "minimal.xml": doc(),
    # Pretty-printed, with comments, two CertificateStore blocks as in Microsoft's sample.
    "pretty_two_stores.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n<!-- sample -->\n<wap-provisioningdoc version="1.1">\n'
        '  <characteristic type="CertificateStore">\n'
        '    <characteristic type="Root"><characteristic type="System">\n'
        f'      <characteristic type="{ROOT_TP}"><parm name="EncodedCertificate" value="{CERT}"/></characteristic>\n'
        '    </characteristic></characteristic>\n'
        '  </characteristic>\n'
        '  <characteristic type="CertificateStore">\n'
        '    <characteristic type="My"><characteristic type="System">\n'
        f'      <characteristic type="{CLIENT_TP}"><parm name="EncodedCertificate" value="{CERT}"></parm></characteristic>\n'
        '      <characteristic type="PrivateKeyContainer"/>\n'
        '    </characteristic></characteristic>\n'
        '  </characteristic>\n'
        '</wap-provisioningdoc>\n'
    ),
    # Queries, negations, a namespaced unknown element and extra attributes.
    "queries_and_unknowns.xml": doc(
        '<characteristic-query type="Registry" recursive="true"/>',
        '<nocharacteristic type="Old"/>',
        '<characteristic type="X" x-a="1" xmlns:n="urn:n" n:b="2">'
        '<parm-query name="Q"/><parm name="E" value="" translation="filesystem"/>'
        '<n:future><n:a>t&amp;u</n:a></n:future></characteristic>',
    ),
    "escapes.xml": doc(ch("A&amp;B", parm("P", "&lt;x&gt; &quot;q&quot; &#9;&#10;&#13;"))),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, text in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(text.encode("utf-8"))


if __name__ == "__main__":
    main()
