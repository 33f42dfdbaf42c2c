#!/usr/bin/env python3
"""Writes the committed fuzz seeds under fuzz/seeds/<target>/.

Every seed is made here by hand: the XML documents are literals below (modelled on Apple's
documented message shapes, with invented identifiers), the binary plists are written with the
standard library's plistlib (FMT_BINARY). Nothing is copied from captured traffic or other
projects. Run from anywhere: python3 fuzz/make_seeds.py
"""

import datetime
import os
import plistlib
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")

PROLOG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
    '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
    '<plist version="1.0">\n'
)


def doc(body: str) -> bytes:
    return (PROLOG + body.strip("\n") + "\n</plist>\n").encode("utf-8")


UDID = "0000A1B2-C3D4E5F60718293A"
TOPIC = "com.apple.mgmt.External.7d3c0f2e-91ab-4c55-9e1d-2b6f80a4c1de"

CHECKIN = {
    "authenticate.xml": doc(f"""
<dict>
	<key>BuildVersion</key>
	<string>22A380</string>
	<key>DeviceName</key>
	<string>Test iPad</string>
	<key>IMEI</key>
	<string>35 000000 000000 0</string>
	<key>MEID</key>
	<string>35000000000000</string>
	<key>MessageType</key>
	<string>Authenticate</string>
	<key>Model</key>
	<string>iPad13,1</string>
	<key>ModelName</key>
	<string>iPad</string>
	<key>OSVersion</key>
	<string>17.1</string>
	<key>ProductName</key>
	<string>iPad13,1</string>
	<key>SerialNumber</key>
	<string>F0000000TEST</string>
	<key>Topic</key>
	<string>{TOPIC}</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    # Unknown keys of every type, in an order the writer does not use.
    "authenticate_unknown_keys.xml": doc(f"""
<dict>
	<key>ZFutureKey</key>
	<dict>
		<key>Nested</key>
		<array>
			<integer>-1</integer>
			<real>2.5</real>
			<true/>
			<date>2024-05-01T12:00:00Z</date>
			<data>AAECAw==</data>
		</array>
	</dict>
	<key>MessageType</key>
	<string>Authenticate</string>
	<key>AFutureKey</key>
	<string>kept &amp; escaped &lt;here&gt;</string>
	<key>Topic</key>
	<string>{TOPIC}</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "tokenupdate.xml": doc(f"""
<dict>
	<key>AwaitingConfiguration</key>
	<false/>
	<key>MessageType</key>
	<string>TokenUpdate</string>
	<key>PushMagic</key>
	<string>5A1E7C02-33D1-4F0B-9B5E-0C7D2E41A9F3</string>
	<key>Token</key>
	<data>
	q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=
	</data>
	<key>Topic</key>
	<string>{TOPIC}</string>
	<key>UDID</key>
	<string>{UDID}</string>
	<key>UnlockToken</key>
	<data>
	AAAABAAAAAEAAAACAAAAAwAAAAQAAAAFAAAABgAAAAcAAAAIAAAACQAAAAoAAAALAAAA
	DAAAAA0AAAAOAAAADwAAABAAAAARAAAAEgAAABMAAAAUAAAAFQAAABYAAAAXAAAAGA==
	</data>
</dict>"""),
    "tokenupdate_user_channel.xml": doc(f"""
<dict>
	<key>MessageType</key>
	<string>TokenUpdate</string>
	<key>NotOnConsole</key>
	<false/>
	<key>PushMagic</key>
	<string>0B9F4E61-2C7A-4D8E-A1F3-6E5D4C3B2A10</string>
	<key>Token</key>
	<data>EjRWeJq83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vA=</data>
	<key>Topic</key>
	<string>{TOPIC}</string>
	<key>UDID</key>
	<string>{UDID}</string>
	<key>UserID</key>
	<string>A1B2C3D4-0000-1111-2222-333344445555</string>
	<key>UserLongName</key>
	<string>Jane Appleseed</string>
	<key>UserShortName</key>
	<string>jane</string>
</dict>"""),
    "checkout.xml": doc(f"""
<dict>
	<key>MessageType</key>
	<string>CheckOut</string>
	<key>Topic</key>
	<string>{TOPIC}</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "checkout_user_enrollment.xml": doc(f"""
<dict>
	<key>EnrollmentID</key>
	<string>6F1E2D3C4B5A69788796A5B4C3D2E1F0</string>
	<key>MessageType</key>
	<string>CheckOut</string>
	<key>Topic</key>
	<string>{TOPIC}</string>
</dict>"""),
    # The first leg of the exchange: no DigestResponse yet (Apple sends DigestChallenge back).
    "userauthenticate_first_leg.xml": doc(f"""
<dict>
	<key>MessageType</key>
	<string>UserAuthenticate</string>
	<key>UDID</key>
	<string>{UDID}</string>
	<key>UserID</key>
	<string>A1B2C3D4-0000-1111-2222-333344445555</string>
	<key>UserLongName</key>
	<string>Jane Appleseed</string>
	<key>UserShortName</key>
	<string>jane</string>
</dict>"""),
    "userauthenticate_digest.xml": doc(f"""
<dict>
	<key>DigestResponse</key>
	<string>username="jane", realm="mdm", nonce="abc123", response="00ff"</string>
	<key>MessageType</key>
	<string>UserAuthenticate</string>
	<key>UDID</key>
	<string>{UDID}</string>
	<key>UserID</key>
	<string>A1B2C3D4-0000-1111-2222-333344445555</string>
</dict>"""),
    "setbootstraptoken.xml": doc(f"""
<dict>
	<key>AwaitingConfiguration</key>
	<true/>
	<key>BootstrapToken</key>
	<data>
	Ym9vdHN0cmFwLXRva2VuLWZvci10ZXN0cw==
	</data>
	<key>MessageType</key>
	<string>SetBootstrapToken</string>
	<key>Topic</key>
	<string>{TOPIC}</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "getbootstraptoken.xml": doc(f"""
<dict>
	<key>AwaitingConfiguration</key>
	<false/>
	<key>MessageType</key>
	<string>GetBootstrapToken</string>
	<key>Topic</key>
	<string>{TOPIC}</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "declarativemanagement.xml": doc(f"""
<dict>
	<key>Data</key>
	<data>eyJTdGF0dXNJdGVtcyI6eyJkZXZpY2UiOnsibW9kZWwiOnsiZmFtaWx5IjoiaVBhZCJ9fX19</data>
	<key>Endpoint</key>
	<string>status</string>
	<key>MessageType</key>
	<string>DeclarativeManagement</string>
	<key>Topic</key>
	<string>{TOPIC}</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "declarativemanagement_tokens.xml": doc(f"""
<dict>
	<key>Endpoint</key>
	<string>tokens</string>
	<key>EnrollmentID</key>
	<string>6F1E2D3C4B5A69788796A5B4C3D2E1F0</string>
	<key>MessageType</key>
	<string>DeclarativeManagement</string>
</dict>"""),
    "gettoken.xml": doc(f"""
<dict>
	<key>MessageType</key>
	<string>GetToken</string>
	<key>TokenParameters</key>
	<dict>
		<key>PhoneUDID</key>
		<string>{UDID}</string>
		<key>SecurityToken</key>
		<string>c2VjdXJpdHktdG9rZW4=</string>
		<key>WatchUDID</key>
		<string>0000FFEE-DDCCBBAA99887766</string>
		<key>FutureParameter</key>
		<integer>7</integer>
	</dict>
	<key>TokenServiceType</key>
	<string>com.apple.watch.pairing</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "gettoken_maid.xml": doc(f"""
<dict>
	<key>MessageType</key>
	<string>GetToken</string>
	<key>TokenServiceType</key>
	<string>com.apple.maid</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "unknown_message_type.xml": doc(f"""
<dict>
	<key>MessageType</key>
	<string>SomethingNew</string>
	<key>Payload</key>
	<array>
		<string>one</string>
		<dict/>
		<array/>
	</array>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    # Compact, pretty-printed and commented variants of the same shape.
    "authenticate_compact.xml": (
        "\ufeff<plist><dict><key>MessageType</key><string>Authenticate</string>"
        f"<key>Topic</key><string>{TOPIC}</string><!-- a comment -->"
        f"<key> UDID </key><string><![CDATA[{UDID}]]></string></dict></plist>"
    ).encode("utf-8"),
}

CHECKIN_BINARY = {
    "authenticate.bplist": {
        "MessageType": "Authenticate",
        "Topic": TOPIC,
        "UDID": UDID,
        "OSVersion": "14.1",
        "BuildVersion": "23B74",
        "Model": "Mac14,2",
        "SerialNumber": "C00000000TST",
    },
    "tokenupdate.bplist": {
        "MessageType": "TokenUpdate",
        "Topic": TOPIC,
        "UDID": UDID,
        "PushMagic": "3C2B1A09-8F7E-4D6C-5B4A-39281706F5E4",
        "Token": bytes(range(32)),
        "UnlockToken": bytes((i * 7) & 0xFF for i in range(96)),
        "FutureDate": datetime.datetime(2024, 5, 1, 12, 0, 0, 250000),
    },
}

REPORT = {
    "idle.xml": doc(f"""
<dict>
	<key>Status</key>
	<string>Idle</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "acknowledged.xml": doc(f"""
<dict>
	<key>CommandUUID</key>
	<string>9C1B2A3D-4E5F-6A7B-8C9D-0E1F2A3B4C5D</string>
	<key>Status</key>
	<string>Acknowledged</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "error_chain.xml": doc(f"""
<dict>
	<key>CommandUUID</key>
	<string>0A1B2C3D-0000-4000-8000-000000000001</string>
	<key>ErrorChain</key>
	<array>
		<dict>
			<key>ErrorCode</key>
			<integer>12021</integer>
			<key>ErrorDomain</key>
			<string>MCMDMErrorDomain</string>
			<key>LocalizedDescription</key>
			<string>Invalid Request Type</string>
			<key>USEnglishDescription</key>
			<string>Invalid Request Type</string>
		</dict>
		<dict>
			<key>ErrorCode</key>
			<integer>-909</integer>
			<key>ErrorDomain</key>
			<string>NSOSStatusErrorDomain</string>
			<key>ExtraInfo</key>
			<dict>
				<key>Reason</key>
				<string>unknown key kept</string>
			</dict>
		</dict>
	</array>
	<key>RequestType</key>
	<string>InstallProfile</string>
	<key>Status</key>
	<string>Error</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "command_format_error.xml": doc(f"""
<dict>
	<key>CommandUUID</key>
	<string>0A1B2C3D-0000-4000-8000-000000000002</string>
	<key>ErrorChain</key>
	<array>
		<dict>
			<key>ErrorCode</key>
			<integer>12001</integer>
			<key>ErrorDomain</key>
			<string>MCMDMErrorDomain</string>
		</dict>
	</array>
	<key>Status</key>
	<string>CommandFormatError</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "notnow.xml": doc(f"""
<dict>
	<key>CommandUUID</key>
	<string>0A1B2C3D-0000-4000-8000-000000000003</string>
	<key>Status</key>
	<string>NotNow</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "status_padded_and_unknown.xml": doc(f"""
<dict>
	<key>Status</key>
	<string>
		Idle
	</string>
	<key>UDID</key>
	<string>{UDID}</string>
	<key>OtherReport</key>
	<string>NewStatusValue</string>
</dict>"""),
    "status_other.xml": doc("""
<dict>
	<key>Status</key>
	<string>SomeFutureStatus</string>
	<key>EnrollmentID</key>
	<string>6F1E2D3C4B5A69788796A5B4C3D2E1F0</string>
	<key>EnrollmentUserID</key>
	<string>FFEE0011</string>
</dict>"""),
    "device_information.xml": doc(f"""
<dict>
	<key>CommandUUID</key>
	<string>0A1B2C3D-0000-4000-8000-000000000004</string>
	<key>QueryResponses</key>
	<dict>
		<key>AvailableDeviceCapacity</key>
		<real>52.341796875</real>
		<key>BatteryLevel</key>
		<real>0.87</real>
		<key>DeviceCapacity</key>
		<real>64</real>
		<key>DeviceName</key>
		<string>Test iPad</string>
		<key>IsSupervised</key>
		<true/>
		<key>LastCloudBackupDate</key>
		<date>2024-04-30T22:15:03Z</date>
		<key>OSUpdateSettings</key>
		<dict>
			<key>AutoCheckEnabled</key>
			<true/>
			<key>CatalogURL</key>
			<string>https://example.invalid/catalog</string>
			<key>PreviousScanDate</key>
			<date>2024-04-29T08:00:00Z</date>
			<key>PreviousScanResult</key>
			<integer>0</integer>
		</dict>
		<key>ServiceSubscriptions</key>
		<array>
			<dict>
				<key>Slot</key>
				<string>CTSubscriptionSlotOne</string>
				<key>IsDataPreferred</key>
				<true/>
			</dict>
		</array>
	</dict>
	<key>Status</key>
	<string>Acknowledged</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "installed_apps.xml": doc(f"""
<dict>
	<key>CommandUUID</key>
	<string>0A1B2C3D-0000-4000-8000-000000000005</string>
	<key>InstalledApplicationList</key>
	<array>
		<dict>
			<key>BundleSize</key>
			<integer>40960000</integer>
			<key>DynamicSize</key>
			<integer>1228800</integer>
			<key>Identifier</key>
			<string>com.example.notes</string>
			<key>Installing</key>
			<false/>
			<key>IsValidated</key>
			<true/>
			<key>Name</key>
			<string>Notes &amp; Lists</string>
			<key>ShortVersion</key>
			<string>2.4</string>
			<key>Version</key>
			<string>240</string>
		</dict>
		<dict>
			<key>BundleSize</key>
			<integer>0x7FFFFFFF</integer>
			<key>Identifier</key>
			<string>com.example.ünïcödé</string>
			<key>Installing</key>
			<true/>
			<key>Name</key>
			<string>Ünïcödé ✓ 日本</string>
		</dict>
	</array>
	<key>Status</key>
	<string>Acknowledged</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "security_info.xml": doc(f"""
<dict>
	<key>CommandUUID</key>
	<string>0A1B2C3D-0000-4000-8000-000000000006</string>
	<key>SecurityInfo</key>
	<dict>
		<key>HardwareEncryptionCaps</key>
		<integer>3</integer>
		<key>PasscodeCompliant</key>
		<true/>
		<key>PasscodePresent</key>
		<false/>
		<key>FirmwarePasswordStatus</key>
		<dict>
			<key>PasswordExists</key>
			<false/>
		</dict>
		<key>ManagementStatus</key>
		<dict>
			<key>EnrolledViaDEP</key>
			<true/>
			<key>IsUserEnrollment</key>
			<false/>
		</dict>
		<key>Certificate</key>
		<data>
		MIIBszCCAVmgAwIBAgIUZmFrZS1jZXJ0aWZpY2F0ZS1mb3ItZnV6ejAKBggqhkjOPQQD
		AjAPMQ0wCwYDVQQDDAR0ZXN0MB4XDTI0MDEwMTAwMDAwMFoXDTI1MDEwMTAwMDAwMFo=
		</data>
	</dict>
	<key>Status</key>
	<string>Acknowledged</string>
	<key>UDID</key>
	<string>{UDID}</string>
	<key>UserID</key>
	<string>A1B2C3D4-0000-1111-2222-333344445555</string>
	<key>UserLongName</key>
	<string>Jane Appleseed</string>
	<key>UserShortName</key>
	<string>jane</string>
</dict>"""),
    # Has both keys: Inbound dispatches on whichever comes first.
    "status_and_messagetype.xml": doc(f"""
<dict>
	<key>Status</key>
	<string>Idle</string>
	<key>MessageType</key>
	<string>Authenticate</string>
	<key>Topic</key>
	<string>{TOPIC}</string>
	<key>UDID</key>
	<string>{UDID}</string>
</dict>"""),
    "profile_list_compact.xml": (
        "<plist><dict><key>CommandUUID</key><string>u-1</string>"
        "<key>ProfileList</key><array><dict><key>PayloadIdentifier</key>"
        "<string>com.example.wifi</string><key>PayloadVersion</key><integer>1</integer>"
        "<key>IsEncrypted</key><false/><key>PayloadContent</key><array/>"
        "<key>SignerCertificates</key><array><data>3q2+7w==</data></array></dict></array>"
        "<key>Status</key><string>Acknowledged</string>"
        "<key>UDID</key><string>&#x30;&#48;01</string></dict></plist>"
    ).encode("utf-8"),
}

REPORT_BINARY = {
    "acknowledged.bplist": {
        "CommandUUID": "0A1B2C3D-0000-4000-8000-000000000007",
        "Status": "Acknowledged",
        "UDID": UDID,
        "QueryResponses": {
            "BatteryLevel": 0.5,
            "DeviceCapacity": 128,
            "Big": 18446744073709551615,
            "Negative": -9223372036854775808,
            "When": datetime.datetime(2023, 1, 2, 3, 4, 5),
            "Blob": b"\x00\x01\x02\xff",
            "List": [True, False, "x", [], {}],
        },
    },
    "error.bplist": {
        "Status": "Error",
        "UDID": UDID,
        "CommandUUID": "0A1B2C3D-0000-4000-8000-000000000008",
        "ErrorChain": [
            {"ErrorCode": 4, "ErrorDomain": "MDMErrorDomain", "LocalizedDescription": "Bad"}
        ],
    },
}

VALUE = {
    "string.xml": doc("<string>hello &lt;world&gt; &amp; &#x1F600; &#65;</string>"),
    "empty_string.xml": doc("<string/>"),
    "integers.xml": doc("""
<array>
	<integer>0</integer>
	<integer>-9223372036854775808</integer>
	<integer>18446744073709551615</integer>
	<integer> +42 </integer>
	<integer>0x1F</integer>
</array>"""),
    "reals.xml": doc("""
<array>
	<real>3.14159</real>
	<real>-0</real>
	<real>1e300</real>
	<real>2.2250738585072014e-308</real>
	<real>nan</real>
	<real>+infinity</real>
	<real>-infinity</real>
</array>"""),
    "dates.xml": doc("""
<array>
	<date>2024-02-29T23:59:59Z</date>
	<date>1969-12-31T23:59:59Z</date>
	<date>2024-01-01T01:00:00+01:00</date>
	<date>2024-01-01T00:00:00.5Z</date>
	<date>0001-01-01T00:00:00Z</date>
	<date>9999-12-31T23:59:60Z</date>
</array>"""),
    "data.xml": doc("""
<array>
	<data>
	AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEy
	MzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5f
	</data>
	<data></data>
	<data>3q2+7w</data>
</array>"""),
    "booleans_and_empties.xml": doc("""
<dict>
	<key>t</key>
	<true/>
	<key>f</key>
	<false></false>
	<key>d</key>
	<dict/>
	<key>a</key>
	<array></array>
</dict>"""),
    "nested.xml": doc("""
<dict>
	<key>a</key>
	<array>
		<dict>
			<key>b</key>
			<array>
				<array>
					<dict>
						<key>c</key>
						<string>deep</string>
					</dict>
				</array>
			</array>
		</dict>
	</array>
</dict>"""),
    "cdata_comments_pi.xml": (
        '<?xml version="1.0" encoding="utf-8"?>\n<!-- before -->\n'
        '<!DOCTYPE plist SYSTEM "file://localhost/System/Library/DTDs/PropertyList.dtd">\n'
        "<plist version=\"1.0\"><?pi data?><dict><key>k</key>"
        "<string>a<![CDATA[<b>]]>c<!-- mid --></string></dict></plist>\n<!-- after -->\n"
    ).encode("utf-8"),
    "no_prolog.xml": b"<plist><dict><key>CR</key><string>line1&#13;\nline2\ttab</string></dict></plist>",
    "unicode_keys.xml": doc("""
<dict>
	<key>日本語</key>
	<string>値</string>
	<key>emoji 🎉</key>
	<string>🎉</string>
</dict>"""),
}

VALUE_BINARY = {
    "mixed.bplist": {
        "s": "text",
        "u": "ünïcödé ✓",
        "i": [0, 1, -1, 255, 256, 65535, 4294967296, -9223372036854775808],
        "r": [0.0, -1.5, float("inf")],
        "b": [True, False],
        "d": datetime.datetime(2001, 1, 1, 0, 0, 0, 123456),
        "old": datetime.datetime(1900, 6, 15, 12, 0, 0),
        "x": b"\x00" * 40,
        "uid": plistlib.UID(3),
        "nested": {"a": [{"b": [{}]}]},
    },
    "array_root.bplist": ["one", 2, 3.0, b"four"],
    "string_root.bplist": "just a string",
}


# Configuration profiles (the `profile` target): one or more payload types each, typed and
# unknown, nested and recursive items, every top-level key, unknown keys at both levels.
def profile(payloads: str, rest: str = "", ident: str = "com.example.seed") -> bytes:
    return doc(f"""
<dict>
	<key>PayloadContent</key>
	<array>
{payloads.strip(chr(10))}
	</array>
	<key>PayloadDisplayName</key>
	<string>Seed profile</string>
	<key>PayloadIdentifier</key>
	<string>{ident}</string>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadUUID</key>
	<string>3F2A6C10-0000-4000-8000-000000000001</string>
	<key>PayloadVersion</key>
	<integer>1</integer>
{rest.strip(chr(10))}
</dict>""")


def common(ptype: str, n: int) -> str:
    return f"""
		<key>PayloadIdentifier</key>
		<string>com.example.seed.p{n}</string>
		<key>PayloadType</key>
		<string>{ptype}</string>
		<key>PayloadUUID</key>
		<string>3F2A6C10-0000-4000-8000-0000000001{n:02d}</string>
		<key>PayloadVersion</key>
		<integer>1</integer>"""


PROFILE = {
    "webclip_user_scope.xml": profile(f"""
		<dict>
			<key>FullScreen</key>
			<true/>
			<key>IsRemovable</key>
			<false/>
			<key>Label</key>
			<string>Intranet &amp; wiki</string>
			<key>URL</key>
			<string>https://intranet.example.com/?a=1&amp;b=2</string>
			<key>Icon</key>
			<data>iVBORw0KGgo=</data>{common("com.apple.webClip.managed", 1)}
		</dict>""", """
	<key>PayloadScope</key>
	<string>User</string>
	<key>PayloadRemovalDisallowed</key>
	<false/>
	<key>ConsentText</key>
	<dict>
		<key>default</key>
		<string>Install the intranet clip?</string>
		<key>de-CH</key>
		<string>Intranet-Verknüpfung installieren?</string>
	</dict>
	<key>RemovalDate</key>
	<date>2030-01-01T00:00:00Z</date>
	<key>TargetDeviceType</key>
	<integer>5</integer>"""),
    "enroll_scep_mdm.xml": profile(f"""
		<dict>
			<key>PayloadContent</key>
			<dict>
				<key>Challenge</key>
				<string>seed-challenge</string>
				<key>Key Type</key>
				<string>RSA</string>
				<key>Key Usage</key>
				<integer>5</integer>
				<key>Keysize</key>
				<integer>2048</integer>
				<key>Subject</key>
				<array>
					<array>
						<array>
							<string>O</string>
							<string>Example</string>
						</array>
					</array>
					<array>
						<array>
							<string>CN</string>
							<string>seed device</string>
						</array>
					</array>
				</array>
				<key>SubjectAltName</key>
				<dict>
					<key>dNSName</key>
					<string>device.example.com</string>
				</dict>
				<key>URL</key>
				<string>https://scep.example.com/scep</string>
			</dict>{common("com.apple.security.scep", 1)}
		</dict>
		<dict>
			<key>AccessRights</key>
			<integer>8191</integer>
			<key>CheckInURL</key>
			<string>https://mdm.example.com/checkin</string>
			<key>CheckOutWhenRemoved</key>
			<true/>
			<key>IdentityCertificateUUID</key>
			<string>3F2A6C10-0000-4000-8000-000000000101</string>
			<key>ServerCapabilities</key>
			<array>
				<string>com.apple.mdm.per-user-connections</string>
				<string>com.apple.mdm.bootstraptoken</string>
			</array>
			<key>ServerURL</key>
			<string>https://mdm.example.com/mdm</string>
			<key>SignMessage</key>
			<true/>
			<key>Topic</key>
			<string>{TOPIC}</string>{common("com.apple.mdm", 2)}
		</dict>""", """
	<key>PayloadScope</key>
	<string>System</string>"""),
    "wifi_eap.xml": profile(f"""
		<dict>
			<key>AutoJoin</key>
			<true/>
			<key>EAPClientConfiguration</key>
			<dict>
				<key>AcceptEAPTypes</key>
				<array>
					<integer>13</integer>
					<integer>25</integer>
				</array>
				<key>TLSTrustedServerNames</key>
				<array>
					<string>radius.example.com</string>
				</array>
				<key>UserName</key>
				<string>seed</string>
			</dict>
			<key>EncryptionType</key>
			<string>WPA2</string>
			<key>HIDDEN_NETWORK</key>
			<false/>
			<key>ProxyType</key>
			<string>None</string>
			<key>SSID_STR</key>
			<string>Example Corp</string>{common("com.apple.wifi.managed", 1)}
		</dict>"""),
    "restrictions_passcode.xml": profile(f"""
		<dict>
			<key>allowCamera</key>
			<false/>
			<key>allowAirDrop</key>
			<true/>
			<key>ratingApps</key>
			<integer>1000</integer>
			<key>safariAcceptCookies</key>
			<real>1.5</real>
			<key>forceAutomaticDateAndTime</key>
			<true/>{common("com.apple.applicationaccess", 1)}
		</dict>
		<dict>
			<key>allowSimple</key>
			<false/>
			<key>maxFailedAttempts</key>
			<integer>6</integer>
			<key>minLength</key>
			<integer>8</integer>
			<key>maxPINAgeInDays</key>
			<integer>90</integer>{common("com.apple.mobiledevice.passwordpolicy", 2)}
		</dict>"""),
    "homescreen_recursive.xml": profile(f"""
		<dict>
			<key>Dock</key>
			<array>
				<dict>
					<key>BundleID</key>
					<string>com.apple.mobilesafari</string>
					<key>Type</key>
					<string>App</string>
				</dict>
			</array>
			<key>Pages</key>
			<array>
				<array>
					<dict>
						<key>DisplayName</key>
						<string>Work</string>
						<key>Pages</key>
						<array>
							<array>
								<dict>
									<key>BundleID</key>
									<string>com.example.mail</string>
									<key>Type</key>
									<string>App</string>
								</dict>
								<dict>
									<key>DisplayName</key>
									<string>Inner</string>
									<key>Pages</key>
									<array>
										<array>
											<dict>
												<key>Type</key>
												<string>WebClip</string>
												<key>URL</key>
												<string>https://wiki.example.com</string>
											</dict>
										</array>
									</array>
									<key>Type</key>
									<string>Folder</string>
								</dict>
							</array>
						</array>
						<key>Type</key>
						<string>Folder</string>
					</dict>
				</array>
			</array>{common("com.apple.homescreenlayout", 1)}
		</dict>"""),
    "appaccess_subapps.xml": profile(f"""
		<dict>
			<key>familyControlsEnabled</key>
			<true/>
			<key>pathBlackList</key>
			<array>
				<string>/Applications/Chess.app</string>
			</array>
			<key>whiteList</key>
			<array>
				<dict>
					<key>appID</key>
					<data>+t4DTE9M8sE=</data>
					<key>bundleID</key>
					<string>com.example.suite</string>
					<key>displayName</key>
					<string>Suite</string>
					<key>subApps</key>
					<array>
						<dict>
							<key>appID</key>
							<data>AQID</data>
							<key>bundleID</key>
							<string>com.example.suite.helper</string>
							<key>disabled</key>
							<false/>
							<key>subApps</key>
							<array>
								<dict>
									<key>appID</key>
									<data>BAUG</data>
									<key>bundleID</key>
									<string>com.example.suite.helper.agent</string>
								</dict>
							</array>
						</dict>
					</array>
				</dict>
			</array>{common("com.apple.applicationaccess.new", 1)}
		</dict>"""),
    "tcc_dns_prefs.xml": profile(f"""
		<dict>
			<key>Services</key>
			<dict>
				<key>Camera</key>
				<array>
					<dict>
						<key>Allowed</key>
						<false/>
						<key>CodeRequirement</key>
						<string>identifier "com.example.app" and anchor apple generic</string>
						<key>Identifier</key>
						<string>com.example.app</string>
						<key>IdentifierType</key>
						<string>bundleID</string>
					</dict>
				</array>
			</dict>{common("com.apple.TCC.configuration-profile-policy", 1)}
		</dict>
		<dict>
			<key>DNSSettings</key>
			<dict>
				<key>DNSProtocol</key>
				<string>HTTPS</string>
				<key>ServerAddresses</key>
				<array>
					<string>192.0.2.53</string>
					<string>2001:db8::53</string>
				</array>
				<key>ServerURL</key>
				<string>https://dns.example.com/dns-query</string>
			</dict>
			<key>ProhibitDisablement</key>
			<false/>{common("com.apple.dnsSettings.managed", 2)}
		</dict>
		<dict>
			<key>PayloadContent</key>
			<dict>
				<key>com.example.app</key>
				<dict>
					<key>Forced</key>
					<array>
						<dict>
							<key>mcx_preference_settings</key>
							<dict>
								<key>ServerURL</key>
								<string>https://app.example.com</string>
								<key>Retries</key>
								<integer>3</integer>
							</dict>
						</dict>
					</array>
				</dict>
			</dict>{common("com.apple.ManagedClient.preferences", 3)}
		</dict>""", """
	<key>PayloadScope</key>
	<string>System</string>"""),
    # An unknown payload type with every value type, unknown keys at both levels, keys out of
    # the writer's order.
    "unknown_payload_and_keys.xml": doc("""
<dict>
	<key>ZFuture</key>
	<array>
		<integer>-9223372036854775808</integer>
		<integer>18446744073709551615</integer>
		<real>-0.5</real>
		<date>1999-12-31T23:59:59Z</date>
	</array>
	<key>PayloadVersion</key>
	<integer>1</integer>
	<key>PayloadUUID</key>
	<string>3F2A6C10-0000-4000-8000-000000000002</string>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadContent</key>
	<array>
		<dict>
			<key>Setting</key>
			<dict>
				<key>Blob</key>
				<data>AAECAwQFBgc=</data>
				<key>Flag</key>
				<true/>
			</dict>
			<key>PayloadType</key>
			<string>com.example.vendor.settings</string>
			<key>PayloadVersion</key>
			<integer>1</integer>
			<key>PayloadIdentifier</key>
			<string>com.example.seed.vendor</string>
			<key>PayloadUUID</key>
			<string>3F2A6C10-0000-4000-8000-000000000201</string>
		</dict>
		<dict>
			<key>Label</key>
			<string>Docs</string>
			<key>URL</key>
			<string>https://docs.example.com</string>
			<key>FutureClipKey</key>
			<string>kept</string>
			<key>PayloadType</key>
			<string>com.apple.webClip.managed</string>
			<key>PayloadVersion</key>
			<integer>1</integer>
			<key>PayloadIdentifier</key>
			<string>com.example.seed.clip</string>
			<key>PayloadUUID</key>
			<string>3F2A6C10-0000-4000-8000-000000000202</string>
		</dict>
	</array>
	<key>PayloadIdentifier</key>
	<string>com.example.seed.unknown</string>
	<key>AFuture</key>
	<string>a &lt;kept&gt; key</string>
</dict>"""),
    "encrypted.xml": doc("""
<dict>
	<key>EncryptedPayloadContent</key>
	<data>
	MIAGCSqGSIb3DQEHA6CAMIACAQAxggEbMIIBFwIBADB/MHIxCzAJBgNVBAYTAlVT
	</data>
	<key>IsEncrypted</key>
	<true/>
	<key>HasRemovalPasscode</key>
	<true/>
	<key>PayloadIdentifier</key>
	<string>com.example.seed.sealed</string>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadUUID</key>
	<string>3F2A6C10-0000-4000-8000-000000000003</string>
	<key>PayloadVersion</key>
	<integer>1</integer>
	<key>PayloadExpirationDate</key>
	<date>2031-06-30T12:00:00Z</date>
	<key>DurationUntilRemoval</key>
	<real>86400</real>
</dict>"""),
    # Compact: a BOM, no DOCTYPE, a comment, a CDATA section, a padded key.
    "compact_bom.xml": (
        "\ufeff<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict>"
        "<!-- compact --><key> PayloadType </key><string>Configuration</string>"
        "<key>PayloadIdentifier</key><string>com.example.seed.compact</string>"
        "<key>PayloadUUID</key><string><![CDATA[3F2A6C10-0000-4000-8000-000000000004]]></string>"
        "<key>PayloadVersion</key><integer>1</integer><key>PayloadContent</key><array><dict>"
        "<key>PayloadType</key><string>com.apple.security.root</string>"
        "<key>PayloadIdentifier</key><string>com.example.seed.root</string>"
        "<key>PayloadUUID</key><string>3F2A6C10-0000-4000-8000-000000000401</string>"
        "<key>PayloadVersion</key><integer>1</integer>"
        "<key>PayloadContent</key><data>MIIBszCCAVmgAwIBAgIUZXhhbXBsZQ==</data>"
        "</dict></array></dict></plist>"
    ).encode("utf-8"),
}

PROFILE_BINARY = {
    "enroll.bplist": {
        "PayloadContent": [
            {
                "PayloadContent": {"URL": "https://scep.example.com/scep", "Keysize": 2048,
                                   "Subject": [[["CN", "bin"]]]},
                "PayloadIdentifier": "com.example.seed.bin.scep",
                "PayloadType": "com.apple.security.scep",
                "PayloadUUID": "3F2A6C10-0000-4000-8000-000000000501",
                "PayloadVersion": 1,
            },
            {
                "IdentityCertificateUUID": "3F2A6C10-0000-4000-8000-000000000501",
                "ServerURL": "https://mdm.example.com/mdm",
                "Topic": TOPIC,
                "AccessRights": 8191,
                "PayloadIdentifier": "com.example.seed.bin.mdm",
                "PayloadType": "com.apple.mdm",
                "PayloadUUID": "3F2A6C10-0000-4000-8000-000000000502",
                "PayloadVersion": 1,
            },
        ],
        "PayloadIdentifier": "com.example.seed.bin",
        "PayloadType": "Configuration",
        "PayloadUUID": "3F2A6C10-0000-4000-8000-000000000005",
        "PayloadVersion": 1,
    },
    "mixed.bplist": {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": "com.example.seed.mixed",
        "PayloadUUID": "3F2A6C10-0000-4000-8000-000000000006",
        "RemovalDate": datetime.datetime(2029, 2, 3, 4, 5, 6),
        "PayloadContent": [
            {
                "PayloadType": "com.example.bin.custom",
                "PayloadIdentifier": "com.example.seed.mixed.custom",
                "PayloadUUID": "3F2A6C10-0000-4000-8000-000000000601",
                "PayloadVersion": 1,
                "When": datetime.datetime(2001, 1, 1, 0, 0, 0, 500000),
                "Blob": b"\x00\x01\xfe\xff",
                "Ratio": 0.125,
                "Uid": plistlib.UID(7),
            },
            {
                "PayloadType": "com.apple.webClip.managed",
                "PayloadIdentifier": "com.example.seed.mixed.clip",
                "PayloadUUID": "3F2A6C10-0000-4000-8000-000000000602",
                "PayloadVersion": 1,
                "URL": "https://ünïcödé.example.com",
                "Label": "Ünïcödé ✓",
            },
        ],
        "ZUnknownTop": {"nested": [True, False]},
    },
}


def write(target: str, name: str, content: bytes) -> None:
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(content)


def binary(obj) -> bytes:
    return plistlib.dumps(obj, fmt=plistlib.FMT_BINARY, sort_keys=False)


def main() -> None:
    for name, content in CHECKIN.items():
        write("checkin", name, content)
    for name, obj in CHECKIN_BINARY.items():
        write("checkin", name, binary(obj))
    for name, content in REPORT.items():
        write("report", name, content)
    for name, obj in REPORT_BINARY.items():
        write("report", name, binary(obj))
    for name, content in VALUE.items():
        write("plist_value", name, content)
    for name, obj in VALUE_BINARY.items():
        write("plist_value", name, binary(obj))
    # The round-trip target gets a mix: messages with unknown keys, both formats.
    mix = {
        "authenticate_unknown_keys.xml": CHECKIN["authenticate_unknown_keys.xml"],
        "tokenupdate.xml": CHECKIN["tokenupdate.xml"],
        "gettoken.xml": CHECKIN["gettoken.xml"],
        "declarativemanagement.xml": CHECKIN["declarativemanagement.xml"],
        "setbootstraptoken.xml": CHECKIN["setbootstraptoken.xml"],
        "userauthenticate_digest.xml": CHECKIN["userauthenticate_digest.xml"],
        "unknown_message_type.xml": CHECKIN["unknown_message_type.xml"],
        "authenticate_compact.xml": CHECKIN["authenticate_compact.xml"],
        "tokenupdate.bplist": binary(CHECKIN_BINARY["tokenupdate.bplist"]),
        "error_chain.xml": REPORT["error_chain.xml"],
        "status_padded_and_unknown.xml": REPORT["status_padded_and_unknown.xml"],
        "device_information.xml": REPORT["device_information.xml"],
        "installed_apps.xml": REPORT["installed_apps.xml"],
        "security_info.xml": REPORT["security_info.xml"],
        "acknowledged.bplist": binary(REPORT_BINARY["acknowledged.bplist"]),
        "error.bplist": binary(REPORT_BINARY["error.bplist"]),
    }
    for name, content in mix.items():
        write("roundtrip", name, content)
    for name, content in PROFILE.items():
        write("profile", name, content)
    for name, obj in PROFILE_BINARY.items():
        write("profile", name, binary(obj))
    # WBXML: mdmkit's own encoder writes tests/fixtures/wbxml/*.xml (hand-written SyncML DM and
    # DevInf documents) as seeds/wbxml/*.wbxml.
    subprocess.run(
        ["cargo", "test", "-q", "--features", "wbxml", "--test", "wbxml", "--",
         "--exact", "write_fuzz_seeds"],
        cwd=os.path.dirname(HERE),
        env={**os.environ, "MDMKIT_WRITE_FUZZ_SEEDS": "1"},
        check=True,
    )


if __name__ == "__main__":
    main()
