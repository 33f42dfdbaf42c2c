#!/usr/bin/env python3
"""Writes the committed seeds of the SyncML fuzz targets under fuzz/seeds/syncml_xml/ and
fuzz/seeds/syncml_roundtrip/ (the same files in both).

Every seed is a literal below, written by hand for this project after the message shapes of
OMA DM 1.2 and MS-MDM (Windows enrollment sessions), with invented identifiers, URIs and
values. Nothing is copied from captured traffic, the project's shared fixtures or other
projects. Run from anywhere: python3 fuzz/make_syncml_seeds.py
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")
TARGETS = ("syncml_xml", "syncml_roundtrip")

SERVER = "https://mdm.example.test/EnrollmentServer/OMADM.svc"
DEVICE = "4C0FFEE0A1B2C3D4E5F60718293A4B5C"


def hdr(session: str, msg: str, target: str, source: str, extra: str = "") -> str:
    return f"""  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{session}</SessionID>
    <MsgID>{msg}</MsgID>
    <Target>
      <LocURI>{target}</LocURI>
    </Target>
    <Source>
      <LocURI>{source}</LocURI>
    </Source>{extra}
  </SyncHdr>"""


def msg(header: str, body: str, final: bool = True) -> bytes:
    fin = "\n    <Final/>" if final else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<SyncML xmlns="SYNCML:SYNCML1.2">\n'
        f"{header}\n  <SyncBody>\n{body.strip(chr(10))}{fin}\n  </SyncBody>\n</SyncML>\n"
    ).encode("utf-8")


def dev_hdr(msg_id: str, extra: str = "") -> str:
    return hdr("1A", msg_id, SERVER, DEVICE, extra)


def srv_hdr(msg_id: str, extra: str = "") -> str:
    return hdr("1A", msg_id, DEVICE, SERVER, extra)


def devinfo_item(node: str, value: str) -> str:
    return f"""        <Item>
          <Source>
            <LocURI>./DevInfo/{node}</LocURI>
          </Source>
          <Data>{value}</Data>
        </Item>"""


SEED = {}

# 1. The device opens the session: client-initiated alert, login status, DevInfo.
SEED["device_open.xml"] = msg(
    dev_hdr(
        "1",
        """
    <Meta>
      <MaxMsgSize xmlns="syncml:metinf">512000</MaxMsgSize>
    </Meta>""",
    ),
    f"""
    <Alert>
      <CmdID>2</CmdID>
      <Data>1201</Data>
    </Alert>
    <Alert>
      <CmdID>3</CmdID>
      <Data>1224</Data>
      <Item>
        <Meta>
          <Type xmlns="syncml:metinf">com.microsoft/MDM/LoginStatus</Type>
        </Meta>
        <Data>user</Data>
      </Item>
    </Alert>
    <Replace>
      <CmdID>4</CmdID>
{devinfo_item("DevId", DEVICE)}
{devinfo_item("Man", "Example Devices Ltd")}
{devinfo_item("Mod", "Example Laptop 13")}
{devinfo_item("DmV", "1.3")}
{devinfo_item("Lang", "en-US")}
    </Replace>""",
)

# 2. The server answers: header status, statuses, Get, Atomic, Exec with escaped XML and CDATA.
WLAN = (
    "&lt;WLANProfile xmlns=&quot;http://www.microsoft.com/networking/WLAN/profile/v1&quot;&gt;"
    "&lt;name&gt;Example-Corp&lt;/name&gt;&lt;SSIDConfig&gt;&lt;SSID&gt;&lt;name&gt;Example-Corp"
    "&lt;/name&gt;&lt;/SSID&gt;&lt;/SSIDConfig&gt;&lt;/WLANProfile&gt;"
)
SEED["server_commands.xml"] = msg(
    srv_hdr("1"),
    f"""
    <Status>
      <CmdID>1</CmdID>
      <MsgRef>1</MsgRef>
      <CmdRef>0</CmdRef>
      <Cmd>SyncHdr</Cmd>
      <Data>200</Data>
    </Status>
    <Status>
      <CmdID>2</CmdID>
      <MsgRef>1</MsgRef>
      <CmdRef>2</CmdRef>
      <Cmd>Alert</Cmd>
      <Data>200</Data>
    </Status>
    <Status>
      <CmdID>3</CmdID>
      <MsgRef>1</MsgRef>
      <CmdRef>4</CmdRef>
      <Cmd>Replace</Cmd>
      <Data>200</Data>
    </Status>
    <Get>
      <CmdID>4</CmdID>
      <Item>
        <Target>
          <LocURI>./DevDetail/SwV</LocURI>
        </Target>
      </Item>
      <Item>
        <Target>
          <LocURI>./Vendor/MSFT/DeviceStatus/OS/Edition</LocURI>
        </Target>
      </Item>
    </Get>
    <Atomic>
      <CmdID>5</CmdID>
      <Add>
        <CmdID>6</CmdID>
        <Item>
          <Target>
            <LocURI>./Vendor/MSFT/WiFi/Profile/Example-Corp/WlanXml</LocURI>
          </Target>
          <Meta>
            <Format xmlns="syncml:metinf">chr</Format>
            <Type xmlns="syncml:metinf">text/plain</Type>
          </Meta>
          <Data>{WLAN}</Data>
        </Item>
      </Add>
      <Replace>
        <CmdID>7</CmdID>
        <Item>
          <Target>
            <LocURI>./Vendor/MSFT/Policy/Config/Update/ActiveHoursStart</LocURI>
          </Target>
          <Meta>
            <Format xmlns="syncml:metinf">int</Format>
          </Meta>
          <Data>8</Data>
        </Item>
      </Replace>
    </Atomic>
    <Exec>
      <CmdID>8</CmdID>
      <Item>
        <Target>
          <LocURI>./Vendor/MSFT/EnterpriseDesktopAppManagement/MSI/%7B0A1B2C3D-0000-4000-8000-000000000001%7D/DownloadInstall</LocURI>
        </Target>
        <Meta>
          <Format xmlns="syncml:metinf">xml</Format>
          <Type xmlns="syncml:metinf">text/plain</Type>
        </Meta>
        <Data><![CDATA[<MsiInstallJob id="{{0A1B2C3D-0000-4000-8000-000000000001}}"><Product Version="1.0.0.0"><Download><ContentURLList><ContentURL>https://cdn.example.test/app.msi</ContentURL></ContentURLList></Download><Validation><FileHash>00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF</FileHash></Validation><Enforcement><CommandLine>/quiet</CommandLine><TimeOut>10</TimeOut><RetryCount>1</RetryCount><RetryInterval>5</RetryInterval></Enforcement></Product></MsiInstallJob>]]></Data>
      </Item>
    </Exec>""",
)

# 3. Results with 20 items.
items = []
for i in range(20):
    items.append(
        f"""      <Item>
        <Source>
          <LocURI>./Vendor/MSFT/Example/Node{i:02}</LocURI>
        </Source>
        <Meta>
          <Format xmlns="syncml:metinf">{"int" if i % 3 == 0 else "chr"}</Format>
          <Type xmlns="syncml:metinf">text/plain</Type>
        </Meta>
        <Data>{i * 37 if i % 3 == 0 else f"value &amp; text {i}"}</Data>
      </Item>"""
    )
SEED["results_20_items.xml"] = msg(
    dev_hdr("2"),
    """
    <Status>
      <CmdID>1</CmdID>
      <MsgRef>1</MsgRef>
      <CmdRef>0</CmdRef>
      <Cmd>SyncHdr</Cmd>
      <Data>200</Data>
    </Status>
    <Status>
      <CmdID>2</CmdID>
      <MsgRef>1</MsgRef>
      <CmdRef>4</CmdRef>
      <Cmd>Get</Cmd>
      <Data>200</Data>
    </Status>
    <Results>
      <CmdID>3</CmdID>
      <MsgRef>1</MsgRef>
      <CmdRef>4</CmdRef>
"""
    + "\n".join(items)
    + """
    </Results>""",
)

# 4. A chunked object: the first chunk with its total size and MoreData, no Final.
SEED["chunked_moredata.xml"] = msg(
    srv_hdr("3"),
    """
    <Replace>
      <CmdID>2</CmdID>
      <Item>
        <Target>
          <LocURI>./Vendor/MSFT/Example/LargeBlob</LocURI>
        </Target>
        <Meta>
          <Format xmlns="syncml:metinf">b64</Format>
          <Type xmlns="syncml:metinf">application/octet-stream</Type>
          <Size xmlns="syncml:metinf">96</Size>
        </Meta>
        <Data>QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xt</Data>
        <MoreData/>
      </Item>
    </Replace>""",
    final=False,
)
SEED["chunked_status_213.xml"] = msg(
    dev_hdr("3"),
    """
    <Status>
      <CmdID>1</CmdID>
      <MsgRef>3</MsgRef>
      <CmdRef>2</CmdRef>
      <Cmd>Replace</Cmd>
      <TargetRef>./Vendor/MSFT/Example/LargeBlob</TargetRef>
      <Data>213</Data>
    </Status>
    <Alert>
      <CmdID>2</CmdID>
      <Data>1222</Data>
    </Alert>""",
)

# 5. Credentials, a challenge and the next nonce.
SEED["cred_md5.xml"] = msg(
    dev_hdr(
        "1",
        """
    <Cred>
      <Meta>
        <Format xmlns="syncml:metinf">b64</Format>
        <Type xmlns="syncml:metinf">syncml:auth-md5</Type>
      </Meta>
      <Data>ZmFrZWRpZ2VzdGZha2VkaWdlc3Q=</Data>
    </Cred>
    <Meta>
      <MaxMsgSize xmlns="syncml:metinf">65536</MaxMsgSize>
      <MaxObjSize xmlns="syncml:metinf">1048576</MaxObjSize>
    </Meta>""",
    ),
    """
    <Alert>
      <CmdID>2</CmdID>
      <Data>1201</Data>
    </Alert>""",
)
SEED["chal_nextnonce.xml"] = msg(
    srv_hdr("1"),
    """
    <Status>
      <CmdID>1</CmdID>
      <MsgRef>1</MsgRef>
      <CmdRef>0</CmdRef>
      <Cmd>SyncHdr</Cmd>
      <Chal>
        <Meta>
          <Format xmlns="syncml:metinf">b64</Format>
          <Type xmlns="syncml:metinf">syncml:auth-md5</Type>
          <NextNonce xmlns="syncml:metinf">bm9uY2Utc2VlZC0wMDE=</NextNonce>
        </Meta>
      </Chal>
      <Data>401</Data>
    </Status>""",
)
SEED["cred_basic_command.xml"] = msg(
    srv_hdr("2"),
    """
    <Get>
      <CmdID>2</CmdID>
      <Cred>
        <Meta>
          <Type xmlns="syncml:metinf">syncml:auth-basic</Type>
        </Meta>
        <Data>dXNlcjpwYXNz</Data>
      </Cred>
      <Item>
        <Target>
          <LocURI>./DevDetail/FwV</LocURI>
        </Target>
      </Item>
    </Get>""",
)

# 6. Unknown commands and unknown elements at every level.
SEED["unknown_commands.xml"] = msg(
    srv_hdr(
        "4",
        """
    <x:Trace xmlns:x="urn:example:trace">42</x:Trace>""",
    ),
    """
    <Sync>
      <CmdID>2</CmdID>
      <Target><LocURI>./contacts</LocURI></Target>
      <Add><CmdID>3</CmdID></Add>
    </Sync>
    <Put>
      <CmdID>4</CmdID>
      <Item><Source><LocURI>./devinf12</LocURI></Source><Data><DevInf xmlns="syncml:devinf"><VerDTD>1.2</VerDTD></DevInf></Data></Item>
    </Put>
    <Search><CmdID>5</CmdID></Search>
    <v:Reboot xmlns:v="urn:example:vendor" when="now"/>
    <Get>
      <CmdID>6</CmdID>
      <Lang>en</Lang>
      <Item>
        <Target><LocURI>./DevDetail/Ext/Microsoft/OSPlatform</LocURI></Target>
        <TargetParent><LocURI>./DevDetail</LocURI></TargetParent>
      </Item>
      <Future attr="1"><Nested/></Future>
    </Get>
    <Alert>
      <CmdID>7</CmdID>
      <Meta><Type xmlns="syncml:metinf">unexpected</Type></Meta>
      <Data>1226</Data>
      <Correlator>abc-123</Correlator>
      <Item>
        <Source><LocURI>./Vendor/MSFT/Example/Op</LocURI></Source>
        <Meta>
          <Type xmlns="syncml:metinf">com.microsoft:mdm.example.result</Type>
          <Format xmlns="syncml:metinf">int</Format>
          <Mark xmlns="syncml:metinf">informational</Mark>
          <EMI xmlns="syncml:metinf">extension</EMI>
        </Meta>
        <Data>0</Data>
      </Item>
    </Alert>""",
)

# Windows' msft:originalerror, Sequence, Map, Delete, Copy, NoResp.
SEED["originalerror_sequence_map.xml"] = msg(
    dev_hdr("5"),
    """
    <Status xmlns:msft="http://schemas.microsoft.com/MobileDevice/MDM">
      <CmdID>1</CmdID>
      <MsgRef>4</MsgRef>
      <CmdRef>6</CmdRef>
      <Cmd>Get</Cmd>
      <SourceRef>./DevDetail/Ext/Microsoft/OSPlatform</SourceRef>
      <Data>404</Data>
      <Item><Data msft:originalerror="0x86000002">404</Data></Item>
    </Status>
    <Sequence>
      <CmdID>2</CmdID>
      <NoResp/>
      <Delete><CmdID>3</CmdID><Item><Target><LocURI>./Vendor/MSFT/Example/Old</LocURI></Target></Item></Delete>
      <Copy><CmdID>4</CmdID><Item><Target><LocURI>./a</LocURI></Target><Source><LocURI>./b</LocURI></Source></Item></Copy>
    </Sequence>
    <Map>
      <CmdID>5</CmdID>
      <Target><LocURI>./server-db</LocURI></Target>
      <Source><LocURI>./client-db</LocURI><LocName>local</LocName></Source>
      <MapItem><Target><LocURI>1001</LocURI></Target><Source><LocURI>7</LocURI></Source></MapItem>
    </Map>""",
)

# SyncML 1.1 with its DOCTYPE and no namespace; a BOM, comments and a PI; CRLF line ends.
SEED["doctype_11.xml"] = (
    '<?xml version="1.0"?>\r\n'
    '<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.1//EN" '
    '"http://www.syncml.org/docs/syncml_represent_v11_20020213.dtd">\r\n'
    "<SyncML><SyncHdr><VerDTD>1.1</VerDTD><VerProto>DM/1.1</VerProto><SessionID>3</SessionID>"
    "<MsgID>1</MsgID><Target><LocURI>http://dm.example.test/</LocURI></Target>"
    "<Source><LocURI>IMEI:350000000000000</LocURI><LocName>phone</LocName></Source>"
    "<RespURI>http://dm.example.test/?s=3</RespURI><NoResp/></SyncHdr>\r\n"
    "<SyncBody><Alert><CmdID>1</CmdID><Data>1200</Data></Alert><Final/></SyncBody></SyncML>\r\n"
).encode("utf-8")
SEED["compact_bom_comments.xml"] = (
    "\ufeff<?xml version='1.0' encoding='utf-8'?><!-- c --><?pi x?>"
    '<SyncML xmlns="SYNCML: SYNCML1.2"><SyncHdr><VerDTD> 1.2 </VerDTD><VerProto>DM/1.2</VerProto>'
    "<SessionID>D</SessionID><MsgID>9</MsgID><Target><LocURI>a</LocURI></Target>"
    "<Source><LocURI>b</LocURI></Source></SyncHdr><SyncBody><!-- x -->"
    "<Replace><CmdID>1</CmdID><Item><Target><LocURI>./N</LocURI></Target>"
    "<Data>a&amp;b&#x41;&lt;c&gt;<![CDATA[<raw>]]></Data></Item></Replace>"
    "<Results><CmdID>2</CmdID><CmdRef>1</CmdRef><Item><Source><LocURI>./r</LocURI></Source>"
    "<Meta><A:Format xmlns:A='syncml:metinf'>chr</A:Format></Meta><Data/></Item></Results>"
    "<Final/></SyncBody></SyncML>"
).encode("utf-8")

# Fragments: bare commands; a header and body without SyncML.
SEED["fragment_commands.xml"] = b"""<Get><CmdID>1</CmdID><Item><Target><LocURI>./DevDetail/SwV</LocURI></Target></Item></Get>
<Replace><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Camera/AllowCamera</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format></Meta><Data>0</Data></Item></Replace>
<Status><CmdID>3</CmdID><MsgRef>1</MsgRef><CmdRef>5</CmdRef><Cmd>Exec</Cmd><Data>202</Data></Status>
"""
SEED["fragment_hdr_body.xml"] = (
    hdr("5", "2", SERVER, DEVICE)
    + "\n<SyncBody><Alert><CmdID>1</CmdID><Data>1226</Data><Correlator>c1</Correlator></Alert><Final/></SyncBody>\n"
).encode("utf-8")


def main() -> None:
    for t in TARGETS:
        d = os.path.join(SEEDS, t)
        os.makedirs(d, exist_ok=True)
        for name, content in SEED.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(content)


if __name__ == "__main__":
    main()
