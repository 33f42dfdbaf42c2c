#!/usr/bin/env python3
"""Writes the committed MS-MDE2 fuzz seeds under fuzz/seeds/mde2_{discovery,policy,token}/.

Every seed is written here by hand from the MS-MDE2 / MS-XCEP / MS-WSTEP message shapes, with
invented identifiers and dummy tokens. Nothing is copied from captured traffic or other projects.
Run from anywhere: python3 fuzz/make_mde2_seeds.py
"""

import base64
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "seeds")

S = "http://www.w3.org/2003/05/soap-envelope"
A = "http://www.w3.org/2005/08/addressing"
U = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
AC = "http://schemas.xmlsoap.org/ws/2006/12/authorization"
DISC = "http://schemas.microsoft.com/windows/management/2012/01/enrollment"
XCEP = "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy"
ENR = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
B64 = WSSE + "#base64binary"
MID = "urn:uuid:00000000-1111-2222-3333-444444444444"


def env(header, body):
    return (
        f'<s:Envelope xmlns:s="{S}" xmlns:a="{A}" xmlns:u="{U}">'
        f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


def req_header(action, security=""):
    return (
        f'<a:Action s:mustUnderstand="1">{action}</a:Action><a:MessageID>{MID}</a:MessageID>'
        f"<a:ReplyTo><a:Address>{A}/anonymous</a:Address></a:ReplyTo>"
        f'<a:To s:mustUnderstand="1">https://mdm.example.test/x.svc</a:To>{security}'
    )


def resp_header(action, extra=""):
    return f'<a:Action s:mustUnderstand="1">{action}</a:Action><a:RelatesTo>{MID}</a:RelatesTo>{extra}'


USERNAME = (
    f'<wsse:Security xmlns:wsse="{WSSE}" s:mustUnderstand="1"><wsse:UsernameToken u:Id="uuid-1">'
    "<wsse:Username>user@example.test</wsse:Username>"
    f'<wsse:Password wsse:Type="{WSSE[:-len("secext-1.0.xsd")]}username-token-profile-1.0#PasswordText">pw</wsse:Password>'
    "</wsse:UsernameToken></wsse:Security>"
)
USERTOKEN = (
    f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:BinarySecurityToken ValueType="'
    'http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentUserToken"'
    f' EncodingType="{B64}">ZHVtbXk=</wsse:BinarySecurityToken></wsse:Security>'
)

DISCOVERY = {
    "discover.xml": env(
        req_header(DISC + "/IDiscoveryService/Discover"),
        f'<Discover xmlns="{DISC}"><request xmlns:i="{XSI}"><EmailAddress>user@example.test</EmailAddress>'
        "<RequestVersion>5.0</RequestVersion><DeviceType>CIMClient_Windows</DeviceType>"
        "<ApplicationVersion>10.0.22631.1</ApplicationVersion><OSEdition>48</OSEdition>"
        "<AuthPolicies><AuthPolicy>OnPremise</AuthPolicy><AuthPolicy>Federated</AuthPolicy>"
        "</AuthPolicies></request></Discover>",
    ),
    "discover_response.xml": env(
        resp_header(
            DISC + "/IDiscoveryService/DiscoverResponse",
            '<ActivityId CorrelationId="abc" xmlns="http://schemas.microsoft.com/2004/09/ServiceModel/Diagnostics">abc</ActivityId>',
        ),
        f'<DiscoverResponse xmlns="{DISC}" xmlns:xsi="{XSI}"><DiscoverResult><AuthPolicy>Federated</AuthPolicy>'
        "<EnrollmentVersion>5.0</EnrollmentVersion>"
        '<EnrollmentPolicyServiceUrl xsi:nil="true"/>'
        "<EnrollmentServiceUrl>https://mdm.example.test/enroll</EnrollmentServiceUrl>"
        "<AuthenticationServiceUrl>https://mdm.example.test/auth</AuthenticationServiceUrl>"
        "</DiscoverResult></DiscoverResponse>",
    ),
    "fault.xml": env(
        resp_header("http://www.w3.org/2005/08/addressing/soap/fault"),
        "<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>s:Authorization</s:Value>"
        '</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">no</s:Text></s:Reason>'
        f'<s:Detail><DeviceEnrollmentServiceError xmlns="{ENR}"><ErrorType>DeviceCapReached</ErrorType>'
        "<Message>too many</Message><TraceId>t-1</TraceId></DeviceEnrollmentServiceError></s:Detail></s:Fault>",
    ),
}

POLICY = {
    "getpolicies.xml": env(
        req_header(XCEP + "/IPolicy/GetPolicies", USERNAME),
        f'<GetPolicies xmlns="{XCEP}" xmlns:xsi="{XSI}"><client><lastUpdate xsi:nil="true"/>'
        '<preferredLanguage xsi:nil="true"/></client><requestFilter xsi:nil="true"/></GetPolicies>',
    ),
    "getpolicies_response.xml": env(
        resp_header(XCEP + "/IPolicy/GetPoliciesResponse"),
        f'<GetPoliciesResponse xmlns="{XCEP}" xmlns:xsi="{XSI}"><response><policyID/>'
        '<policyFriendlyName xsi:nil="true"/><nextUpdateHours xsi:nil="true"/>'
        '<policiesNotChanged xsi:nil="true"/><policies><policy><policyOIDReference>0</policyOIDReference>'
        '<cAs xsi:nil="true"/><attributes><commonName>Test</commonName><policySchema>3</policySchema>'
        "<certificateValidity><validityPeriodSeconds>1209600</validityPeriodSeconds>"
        "<renewalPeriodSeconds>172800</renewalPeriodSeconds></certificateValidity>"
        "<permission><enroll>true</enroll><autoEnroll>false</autoEnroll></permission>"
        "<privateKeyAttributes><minimalKeyLength>2048</minimalKeyLength>"
        '<keySpec xsi:nil="true"/><keyUsageProperty xsi:nil="true"/><permissions xsi:nil="true"/>'
        '<algorithmOIDReference xsi:nil="true"/><cryptoProviders><provider>P1</provider>'
        "<provider>P2</provider></cryptoProviders></privateKeyAttributes>"
        "<revision><majorRevision>101</majorRevision><minorRevision>0</minorRevision></revision>"
        '<supersededPolicies xsi:nil="true"/><privateKeyFlags xsi:nil="true"/>'
        '<subjectNameFlags xsi:nil="true"/><enrollmentFlags xsi:nil="true"/>'
        '<generalFlags xsi:nil="true"/><hashAlgorithmOIDReference>0</hashAlgorithmOIDReference>'
        '<rARequirements xsi:nil="true"/><keyArchivalAttributes xsi:nil="true"/>'
        '<extensions xsi:nil="true"/></attributes></policy></policies></response>'
        '<cAs xsi:nil="true"/><oIDs><oID><value>2.16.840.1.101.3.4.2.1</value><group>1</group>'
        "<oIDReferenceID>0</oIDReferenceID><defaultName>sha256</defaultName></oID></oIDs>"
        "</GetPoliciesResponse>",
    ),
}

CSR = base64.b64encode(bytes([0x30, 0x82, 0x01, 0x0A]) + bytes(range(64))).decode()
CONTEXT = "".join(
    f'<ac:ContextItem Name="{n}"><ac:Value>{v}</ac:Value></ac:ContextItem>'
    for n, v in [
        ("UXInitiated", "true"),
        ("HWDevID", "AB" * 32),
        ("MAC", "00-11-22-33-44-55"),
        ("MAC", "00-11-22-33-44-66"),
        ("DeviceID", "0123456789ABCDEF0123456789ABCDEF"),
        ("EnrollmentType", "Full"),
    ]
)
DOC = base64.b64encode(b'<wap-provisioningdoc version="1.1"></wap-provisioningdoc>').decode()

TOKEN = {
    "rst_issue.xml": env(
        req_header(ENR + "/RST/wstep", USERNAME),
        f'<wst:RequestSecurityToken xmlns:wst="{WST}" xmlns:wsse="{WSSE}" xmlns:ac="{AC}">'
        "<wst:TokenType>http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken</wst:TokenType>"
        f"<wst:RequestType>{WST}/Issue</wst:RequestType>"
        f'<wsse:BinarySecurityToken ValueType="{ENR}#PKCS10" EncodingType="{B64}">{CSR}</wsse:BinarySecurityToken>'
        f"<ac:AdditionalContext>{CONTEXT}</ac:AdditionalContext></wst:RequestSecurityToken>",
    ),
    "rst_renew_federated.xml": env(
        req_header(ENR + "/RST/wstep", USERTOKEN),
        f'<RequestSecurityToken xmlns="{WST}"><TokenType>t</TokenType><RequestType>{WST}/Renew</RequestType>'
        f'<BinarySecurityToken xmlns="{WSSE}" ValueType="{ENR}#PKCS7" EncodingType="{B64}">{CSR}</BinarySecurityToken>'
        f'<AdditionalContext xmlns="{AC}"><ContextItem Name="DeviceType"><Value>CIMClient_Windows</Value>'
        "</ContextItem></AdditionalContext></RequestSecurityToken>",
    ),
    "rstrc.xml": env(
        resp_header(
            ENR + "/RSTRC/wstep",
            f'<o:Security xmlns:o="{WSSE}" s:mustUnderstand="1"><u:Timestamp u:Id="_0">'
            "<u:Created>2024-01-01T00:00:00Z</u:Created><u:Expires>2024-01-01T00:05:00Z</u:Expires>"
            "</u:Timestamp></o:Security>",
        ),
        f'<RequestSecurityTokenResponseCollection xmlns="{WST}"><RequestSecurityTokenResponse>'
        "<TokenType>t</TokenType>"
        f'<DispositionMessage xmlns="{ENR}"></DispositionMessage><RequestedSecurityToken>'
        f'<BinarySecurityToken xmlns="{WSSE}" ValueType="http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc" EncodingType="{B64}">{DOC}</BinarySecurityToken>'
        f'</RequestedSecurityToken><RequestID xmlns="{ENR}">0</RequestID>'
        "</RequestSecurityTokenResponse></RequestSecurityTokenResponseCollection>",
    ),
}


def write(target, seeds):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


write("mde2_discovery", DISCOVERY)
write("mde2_policy", POLICY)
write("mde2_token", TOKEN)
