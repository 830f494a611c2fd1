"""A TASE.2 (ICCP, IEC 60870-6-503/-802) partner scripted on hat-drivers' MMS
client and server, for osi-mms interop-tests.

hat-drivers 0.10.10 has no TASE.2 module: the TASE.2 objects, their MMS types
and the service sequences below are written here, in Python, from the
project's TASE.2 notes (the public record of libtase2, SISCO ICCP Lite,
json-scada, fcovatti's client ...), not from the Rust code under test.

Usage:
  tase2_peer.py client HOST PORT [--ap-title OID] [--ae-qualifier N]
                [--icc ICC1] [--form whole|components] [--reports N]
                [--device NAME] [--timeout S]
  tase2_peer.py server PORT [--timeout S] [--icc ICC1]

client: associates (calling AP-title / AE-qualifier as given), reads
TASE2_Version, Supported_Features and <icc>/Bilateral_Table_ID, lists the
domains, defines <icc>/PEER_DS = [Transfer_Set_Name, Transfer_Set_Time_Stamp,
DSConditions_Detected, <icc>/Voltage, <icc>/Breaker1Status, VCC Frequency],
reads <icc>/Next_DSTransfer_Set, configures the transfer set (critical, RBE,
ObjectChange + OperatorRequest) in the chosen form and enables it, prints
TS_ENABLED, acknowledges every report it receives (an InformationReport of
Transfer_Report_ACK + Transfer_Set_Time_Stamp), and after --reports reports
operates --device without select, selects it (Read <device>_SBO), operates
it, writes <device>_SBO (the wrong way to select), disables the transfer
set, deletes the data set and closes.

server: a VCC with domain <icc> (Bilateral_Table_ID "BLT_PEER_1", points
Voltage Data_RealQTimeTag, Breaker1Status Data_StateQ, Counter
Data_DiscreteQ, device Breaker1 command with select-before-operate and
CheckBackName 17, one transfer set DSTransferSet01). When a transfer set is
enabled it sends three reports (named-variable-list form with
IntegrityTimeOut, list-of-variables form with ObjectChange, and one naming an
unknown transfer set), and prints what comes back (ACK, NACK).

Lines printed (stdout, see common.py):
  client: ASSOCIATED, ASSOCIATION version= blocks= features= blt=, DOMAINS
    names=, DEFINED ds=, NEXT_TS raw= scope_kind= ts=, WRITE_TS form= results=,
    TS_ENABLED ts=, REPORT form= ts= time_stamp= conditions= event_code=
    points=, ACK_SENT ts= time_stamp=, CONTROL op= device= result=,
    TS_DISABLED result=, DELETED result=, DONE
  server: READY <port>, CONNECTED ..., SERVED <service> ..., TS_WRITE ...,
    TS_ENABLED ts= ds= critical= rbe= conditions=, REPORT_SENT form= ts=
    time_stamp=, ACK_RECEIVED ts= time_stamp= scope_kind=, NACK_RECEIVED ts=,
    SELECTED device=, OPERATED device= value=, CLOSED, DONE
  both: ERROR <text> (exit 1), TIMEOUT (exit 2)
"""

import argparse
import asyncio
import time

from hat.drivers import acse as hat_acse
from hat.drivers import mms
from hat.drivers import net
from hat.drivers.mms import connection as mms_connection
from hat.drivers.mms import encoder as mms_encoder

import common
import hat_mms_server
from common import emit, jtok


# --- TASE.2 objects and encodings (IEC 60870-6-802, from the fact sheet) ---

# DSConditions bit-string(5), bit 0 first
DSC_NAMES = ['interval', 'integrity', 'change', 'operator', 'external']

# Data_Flags bit-string(8): bits 0-1 state (Data_State only), 2-3 validity,
# 4-5 current source, 6 normal value, 7 time-stamp quality
VALIDITY = ['valid', 'held', 'suspect', 'not-valid']
SOURCE = ['telemetered', 'calculated', 'entered', 'estimated']
STATE = ['between', 'off', 'on', 'invalid']

# DSTransferSet components in 2000.08 order (1996.08 has no
# AllChangesReported)
TS_COMPONENTS_2000 = ['DataSetName', 'StartTime', 'Interval', 'TLE',
                      'BufferTime', 'IntegrityCheck', 'DSConditionsRequested',
                      'BlockData', 'Critical', 'RBE', 'AllChangesReported',
                      'Status', 'EventCodeRequested']
TS_COMPONENTS_1996 = [c for c in TS_COMPONENTS_2000
                      if c != 'AllChangesReported']

SPECIALS = ['Transfer_Set_Name', 'Transfer_Set_Time_Stamp',
            'DSConditions_Detected', 'Event_Code_Detected']


def bits(text):
    return mms.BitStringData([c == '1' for c in text])


def bits_str(data):
    return ''.join('1' if b else '0' for b in data.value)


def object_name_data(scope, domain, name):
    """MMSObjectName {Scope Unsigned8, DomainName, Name}; scope 0 VCC, 1 ICC."""
    return mms.StructureData([mms.UnsignedData(scope),
                              mms.VisibleStringData(domain),
                              mms.VisibleStringData(name)])


def decode_object_name(data):
    """(scope, domain, name, scope_kind) of an MMSObjectName; the Scope is
    accepted as unsigned (libtase2, SISCO) or integer (rusty-iccp)."""
    if not isinstance(data, mms.StructureData) or len(data.elements) != 3:
        raise ValueError(f'not an MMSObjectName: {data!r}')
    scope, domain, name = data.elements
    if isinstance(scope, mms.UnsignedData):
        kind = 'unsigned'
    elif isinstance(scope, mms.IntegerData):
        kind = 'integer'
    else:
        raise ValueError(f'MMSObjectName scope {scope!r}')
    if not isinstance(domain, mms.VisibleStringData) or \
            not isinstance(name, mms.VisibleStringData):
        raise ValueError(f'MMSObjectName names {data!r}')
    if scope.value not in (0, 1):
        raise ValueError(f'MMSObjectName scope value {scope.value}')
    return scope.value, domain.value, name.value, kind


def ts_label(scope, domain, name):
    return f'{domain}/{name}' if scope == 1 else f'vcc:{name}'


def decode_flags(data, with_state):
    if not isinstance(data, mms.BitStringData) or len(data.value) != 8:
        raise ValueError(f'not a Data_Flags/Data_State octet: {data!r}')
    b = [1 if x else 0 for x in data.value]
    out = {'validity': VALIDITY[b[2] * 2 + b[3]],
           'source': SOURCE[b[4] * 2 + b[5]],
           'normal': 'abnormal' if b[6] else 'normal',
           'time_quality': 'invalid' if b[7] else 'valid'}
    if with_state:
        out['state'] = STATE[b[0] * 2 + b[1]]
    return out


def decode_point(data):
    """A Block 1 indication point by shape (Value, TimeStamp, Flags order)."""
    if isinstance(data, mms.BitStringData):
        return {'type': 'Data_StateQ', **decode_flags(data, True)}
    if not isinstance(data, mms.StructureData):
        return {'type': 'unknown'}
    e = list(data.elements)
    kinds = [type(x).__name__ for x in e]
    if kinds == ['FloatingPointData', 'BitStringData']:
        return {'type': 'Data_RealQ', 'value': e[0].value,
                **decode_flags(e[1], False)}
    if kinds == ['FloatingPointData', 'IntegerData', 'BitStringData']:
        return {'type': 'Data_RealQTimeTag', 'value': e[0].value,
                'time_stamp': e[1].value, **decode_flags(e[2], False)}
    if kinds == ['IntegerData', 'BitStringData']:
        # Data_DiscreteQ and Data_StateQTimeTag share this shape
        return {'type': 'Data_DiscreteQ|Data_StateQTimeTag',
                'value': e[0].value, **decode_flags(e[1], False)}
    return {'type': 'unknown'}


def dsc_str(data):
    if not isinstance(data, mms.BitStringData) or len(data.value) != 5:
        raise ValueError(f'not DSConditions: {data!r}')
    return '+'.join(n for n, b in zip(DSC_NAMES, data.value) if b) or 'none'


def decode_version(data):
    if not isinstance(data, mms.StructureData) or len(data.elements) != 2 or \
            not all(isinstance(x, mms.IntegerData) for x in data.elements):
        raise ValueError(f'TASE2_Version {data!r}')
    return data.elements[0].value, data.elements[1].value


def decode_features(data):
    if not isinstance(data, mms.BitStringData):
        raise ValueError(f'Supported_Features {data!r}')
    return [i + 1 for i, b in enumerate(data.value) if b], len(data.value)


def name_str(name):
    return common.object_name_str(name)


def error_or(data):
    if isinstance(data, mms.DataAccessError):
        return 'error:' + data.name.lower().replace('_', '-')
    return None


# --- hat extensions -------------------------------------------------------

async def send_confirmed_raw(conn, service):
    """Send a confirmed request given as hat's ASN.1 value (for what hat's
    request types cannot express, e.g. alternate access) and await the
    response through hat's own invoke-ID bookkeeping."""
    invoke_id = next(conn._next_invoke_ids)
    pdu = 'confirmed-RequestPDU', {'invokeID': invoke_id, 'service': service}
    future = asyncio.get_running_loop().create_future()
    conn._response_futures[invoke_id] = future
    try:
        await conn._conn.send((mms_connection._mms_syntax_name,
                               mms_connection._encode(pdu)))
        return await future
    finally:
        conn._response_futures.pop(invoke_id, None)


def write_component_service(name, component, data):
    """Write of one component of a structured variable: listOfVariable with
    alternateAccess = [unnamed selectAccess component] (ISO 9506-2)."""
    return 'write', {
        'variableAccessSpecification': ('listOfVariable', [{
            'variableSpecification': ('name',
                                      mms_encoder._encode_object_name(name)),
            'alternateAccess': [('unnamed',
                                 ('selectAccess', ('component', component)))],
        }]),
        'listOfData': [mms_encoder._encode_data(data)]}


# hat's request decoder drops alternateAccess: the server keeps, per
# request, the component each listOfVariable entry selects
ALT_COMPONENTS = []


def install_alternate_access_tap():
    orig = mms_connection.Connection._process_request

    async def process_request(self, data):
        ALT_COMPONENTS.clear()
        service, body = data['service']
        if service in ('read', 'write'):
            spec = body.get('variableAccessSpecification') \
                if service == 'write' else body.get('variableAccessSpecification')
            if spec and spec[0] == 'listOfVariable':
                for item in spec[1]:
                    comp = None
                    for alt in item.get('alternateAccess') or []:
                        if alt[0] == 'unnamed' and \
                                alt[1][0] == 'selectAccess' and \
                                alt[1][1][0] == 'component':
                            comp = alt[1][1][1]
                    ALT_COMPONENTS.append(comp)
        await orig(self, data)

    mms_connection.Connection._process_request = process_request


# --- client role ----------------------------------------------------------

def dom(icc, item):
    return mms.DomainSpecificObjectName(icc, item)


def spec(name):
    return mms.NameVariableSpecification(name)


async def client_main(args):
    icc = args.icc
    reports = asyncio.Queue()

    async def on_unconfirmed(conn, unconfirmed):
        await reports.put(unconfirmed)

    kwargs = {}
    if args.ap_title:
        kwargs['local_ap_title'] = common.oid_arg(args.ap_title)
    if args.ae_qualifier is not None:
        kwargs['local_ae_qualifier'] = args.ae_qualifier
    conn = await asyncio.wait_for(
        mms.connect(net.TcpAddress(args.host, args.port),
                    local_detail_calling=65000,
                    unconfirmed_cb=on_unconfirmed, **kwargs),
        args.timeout)
    emit('ASSOCIATED', local_port=conn.info.local_addr.port)

    async def call(req):
        return await asyncio.wait_for(conn.send_confirmed(req), args.timeout)

    # association objects, in one Read
    res = await call(mms.ReadRequest([
        spec(mms.VmdSpecificObjectName('TASE2_Version')),
        spec(mms.VmdSpecificObjectName('Supported_Features')),
        spec(dom(icc, 'Bilateral_Table_ID'))]))
    if isinstance(res, mms.Error) or len(res.results) != 3:
        raise Exception(f'association read failed: {res!r}')
    version, features, blt = res.results
    major, minor = decode_version(version)
    blocks, nbits = decode_features(features)
    if not isinstance(blt, mms.VisibleStringData):
        raise Exception(f'Bilateral_Table_ID {blt!r}')
    emit('ASSOCIATION', version=f'{major}.{minor}',
         blocks=','.join(map(str, blocks)), features_bits=nbits,
         blt=blt.value)
    edition_2000 = major != 1996

    res = await call(mms.GetNameListRequest(
        object_class=mms.ObjectClass.DOMAIN,
        object_scope=mms.VmdSpecificObjectScope(), continue_after=None))
    emit('DOMAINS', names=','.join(res.identifiers))

    # a data set of our own in our ICC domain, special variables first
    ds = dom(icc, 'PEER_DS')
    members = [dom(icc, 'Transfer_Set_Name'),
               dom(icc, 'Transfer_Set_Time_Stamp'),
               dom(icc, 'DSConditions_Detected'),
               dom(icc, 'Voltage'), dom(icc, 'Breaker1Status'),
               mms.VmdSpecificObjectName('Frequency')]
    res = await call(mms.DefineNamedVariableListRequest(
        ds, [spec(m) for m in members]))
    if isinstance(res, mms.Error):
        raise Exception(f'define data set: {res!r}')
    emit('DEFINED', ds=name_str(ds))

    # reserve a transfer set
    res = await call(mms.ReadRequest([spec(dom(icc, 'Next_DSTransfer_Set'))]))
    scope, ts_domain, ts_item, kind = decode_object_name(res.results[0])
    ts = mms.DomainSpecificObjectName(ts_domain, ts_item) if scope == 1 \
        else mms.VmdSpecificObjectName(ts_item)
    emit('NEXT_TS', ts=ts_label(scope, ts_domain, ts_item), scope_kind=kind,
         raw=jtok(common.data_to_json(res.results[0])))

    config = {
        'DataSetName': object_name_data(1, icc, 'PEER_DS'),
        'StartTime': mms.IntegerData(0),
        'Interval': mms.IntegerData(0),
        'TLE': mms.IntegerData(0),
        'BufferTime': mms.IntegerData(0),
        'IntegrityCheck': mms.IntegerData(0),
        # ObjectChange + OperatorRequest
        'DSConditionsRequested': bits('00110'),
        'BlockData': mms.BooleanData(False),
        'Critical': mms.BooleanData(True),
        'RBE': mms.BooleanData(True),
        'AllChangesReported': mms.BooleanData(False),
        'Status': mms.BooleanData(True),
        'EventCodeRequested': mms.IntegerData(0),
    }
    order = TS_COMPONENTS_2000 if edition_2000 else TS_COMPONENTS_1996
    if args.form == 'whole':
        res = await call(mms.WriteRequest(
            [spec(ts)], [mms.StructureData([config[c] for c in order])]))
        results = [r.name.lower() if r is not None else 'success'
                   for r in res.results]
        emit('WRITE_TS', form='whole', components=len(order),
             results=','.join(results))
    else:
        results = []
        for c in order:
            if c == 'Status':
                continue
            res = await asyncio.wait_for(send_confirmed_raw(
                conn, write_component_service(ts, c, config[c])),
                args.timeout)
            r = res.results[0]
            results.append(f'{c}:' + (r.name.lower() if r else 'success'))
        res = await asyncio.wait_for(send_confirmed_raw(
            conn, write_component_service(ts, 'Status',
                                          mms.BooleanData(True))),
            args.timeout)
        r = res.results[0]
        results.append('Status:' + (r.name.lower() if r else 'success'))
        emit('WRITE_TS', form='components', results=','.join(results))

    # read it back
    res = await call(mms.ReadRequest([spec(ts)]))
    emit('TS_READ', value=jtok(common.data_to_json(res.results[0])))
    emit('TS_ENABLED', ts=ts_label(scope, ts_domain, ts_item))

    # receive and acknowledge reports
    member_names = [name_str(m) for m in members]
    received = 0
    deadline = time.monotonic() + args.timeout
    while received < args.reports:
        left = deadline - time.monotonic()
        if left <= 0:
            emit('TIMEOUT', waiting='reports', received=received)
            return 2
        u = await asyncio.wait_for(reports.get(), left)
        if not isinstance(u, mms.InformationReportUnconfirmed):
            emit('UNCONFIRMED', type(u).__name__)
            continue
        report = decode_report(u, name_str(ds), member_names)
        received += 1
        points = report['points']
        emit('REPORT', form=report['form'], ts=report['ts'],
             ts_scope_kind=report['ts_kind'],
             time_stamp=report['time_stamp'],
             conditions=report['conditions'],
             event_code=report['event_code'],
             points=jtok(points))
        if report['ts_name'] is None:
            continue
        # Transfer_Report_ACK: an InformationReport, not a Write
        ts_scope, ts_dom, ts_item2 = report['ts_name']
        ack_dom = ts_dom if ts_scope == 1 else icc
        names = [dom(ack_dom, 'Transfer_Report_ACK')]
        data = [object_name_data(ts_scope, ts_dom, ts_item2)]
        if report['time_stamp'] is not None:
            names.append(dom(ack_dom, 'Transfer_Set_Time_Stamp'))
            data.append(mms.IntegerData(report['time_stamp']))
        await conn.send_unconfirmed(mms.InformationReportUnconfirmed(
            specification=[spec(n) for n in names], data=data))
        emit('ACK_SENT', ts=report['ts'], time_stamp=report['time_stamp'])

    # device control (Block 5)
    if args.device:
        device = dom(icc, args.device)
        sbo = dom(icc, args.device + '_SBO')

        async def write(name, data):
            res = await call(mms.WriteRequest([spec(name)], [data]))
            if isinstance(res, mms.Error):
                return f'service-error:{res!r}'.replace(' ', '')
            r = res.results[0]
            return 'success' if r is None else \
                'error:' + r.name.lower().replace('_', '-')

        emit('CONTROL', op='operate-unselected', device=args.device,
             result=await write(device, mms.IntegerData(1)))
        res = await call(mms.ReadRequest([spec(sbo)]))
        r = res.results[0]
        emit('CONTROL', op='select', device=args.device,
             result=error_or(r) or jtok(common.data_to_json(r)))
        emit('CONTROL', op='operate', device=args.device,
             result=await write(device, mms.IntegerData(1)))
        emit('CONTROL', op='write-sbo', device=args.device,
             result=await write(sbo, mms.IntegerData(1)))

    # stop: Status FALSE (component write), delete our data set
    res = await asyncio.wait_for(send_confirmed_raw(
        conn, write_component_service(ts, 'Status', mms.BooleanData(False))),
        args.timeout)
    r = res.results[0]
    emit('TS_DISABLED', result=r.name.lower() if r else 'success')
    res = await call(mms.DeleteNamedVariableListRequest([ds]))
    emit('DELETED', result=f'{res.matched}/{res.deleted}'
         if isinstance(res, mms.DeleteNamedVariableListResponse)
         else repr(res).replace(' ', ''))

    await asyncio.wait_for(conn.async_close(), args.timeout)
    emit('DONE')
    return 0


def decode_report(u, ds_name, member_names):
    """One DS transfer-set report in either form (named list: values in
    member order; list of variables: every value named)."""
    out = {'ts': None, 'ts_name': None, 'ts_kind': None, 'time_stamp': None,
           'conditions': None, 'event_code': None, 'points': []}
    if isinstance(u.specification, list):
        out['form'] = 'list'
        names = []
        for s in u.specification:
            if not isinstance(s, mms.NameVariableSpecification):
                raise ValueError(f'unnamed variable in report: {s!r}')
            names.append(s.name)
    else:
        out['form'] = 'named'
        if name_str(u.specification) != ds_name:
            raise ValueError(f'report of list {name_str(u.specification)}')
        names = [None] * len(member_names)
    values = list(u.data)
    if len(values) != len(names):
        raise ValueError(f'{len(names)} names, {len(values)} values')
    for i, (n, v) in enumerate(zip(names, values)):
        label = name_str(n) if n is not None else member_names[i]
        item = label.split('/')[-1].split(':')[-1]
        if item == 'Transfer_Set_Name':
            if out['form'] == 'list' and i != 0:
                raise ValueError('Transfer_Set_Name not first')
            scope, d, nm, kind = decode_object_name(v)
            out['ts_name'] = (scope, d, nm)
            out['ts'] = ts_label(scope, d, nm)
            out['ts_kind'] = kind
        elif item == 'Transfer_Set_Time_Stamp':
            if not isinstance(v, mms.IntegerData):
                raise ValueError(f'Transfer_Set_Time_Stamp {v!r}')
            out['time_stamp'] = v.value
        elif item == 'DSConditions_Detected':
            out['conditions'] = dsc_str(v)
        elif item == 'Event_Code_Detected':
            out['event_code'] = v.value
        else:
            err = error_or(v)
            out['points'].append({'name': label,
                                  'raw': common.data_to_json(v),
                                  'tase2': err or decode_point(v)})
    return out


# --- server role (a VCC) --------------------------------------------------

F32 = mms.FloatingPointTypeDescription(format_width=32, exponent_width=8)
FLAGS_T = mms.BitStringTypeDescription(8)
GMT_T = mms.IntegerTypeDescription(32)
OBJNAME_T = mms.StructureTypeDescription([
    ('Scope', mms.UnsignedTypeDescription(8)),
    ('DomainName', mms.VisibleStringTypeDescription(32)),
    ('Name', mms.VisibleStringTypeDescription(32))])
TS_T = mms.StructureTypeDescription([
    ('DataSetName', OBJNAME_T), ('StartTime', GMT_T),
    ('Interval', mms.IntegerTypeDescription(16)),
    ('TLE', mms.IntegerTypeDescription(16)),
    ('BufferTime', mms.IntegerTypeDescription(16)),
    ('IntegrityCheck', mms.IntegerTypeDescription(16)),
    ('DSConditionsRequested', mms.BitStringTypeDescription(5)),
    ('BlockData', mms.BooleanTypeDescription()),
    ('Critical', mms.BooleanTypeDescription()),
    ('RBE', mms.BooleanTypeDescription()),
    ('AllChangesReported', mms.BooleanTypeDescription()),
    ('Status', mms.BooleanTypeDescription()),
    ('EventCodeRequested', mms.IntegerTypeDescription(16))])
POINT_TYPES = {
    'Voltage': mms.StructureTypeDescription([
        ('Value', F32), ('TimeStamp', GMT_T), ('Flags', FLAGS_T)]),
    'Breaker1Status': FLAGS_T,
    'Counter': mms.StructureTypeDescription([
        ('Value', mms.IntegerTypeDescription(32)), ('Flags', FLAGS_T)]),
}
POINT_VALUES = {
    # 231.5 kV at 2023-11-14T22:13:20Z, valid, telemetered, time valid
    'Voltage': mms.StructureData([mms.FloatingPointData(231.5),
                                  mms.IntegerData(1700000000),
                                  bits('00000000')]),
    # ON, valid
    'Breaker1Status': bits('10000000'),
    # 42, held, entered
    'Counter': mms.StructureData([mms.IntegerData(42), bits('00011000')]),
}
CHECK_BACK = 17


class Vcc:
    """The served objects and the per-association transfer-set state."""

    def __init__(self, args):
        self.args = args
        self.icc = args.icc
        self.data_sets = {}
        self.ts_values = [object_name_data(0, '', ''), mms.IntegerData(0),
                          mms.IntegerData(0), mms.IntegerData(0),
                          mms.IntegerData(0), mms.IntegerData(0),
                          bits('00000'), mms.BooleanData(False),
                          mms.BooleanData(False), mms.BooleanData(False),
                          mms.BooleanData(False), mms.BooleanData(False),
                          mms.IntegerData(0)]
        self.ts_reserved = False
        self.armed = False
        self.im_enabled = False
        self.conn = None
        self.acks = 0
        self.loop = None

    def variables(self):
        return sorted(['Bilateral_Table_ID', 'Next_DSTransfer_Set',
                       'DSTransferSet01', 'Breaker1', 'Breaker1_SBO',
                       'Transfer_Report_ACK', 'Transfer_Report_NACK',
                       *SPECIALS, *POINT_TYPES])

    async def on_request(self, conn, req):
        if isinstance(req, mms.IdentifyRequest):
            emit('SERVED', 'identify')
            return mms.IdentifyResponse(vendor='hat-tase2-peer',
                                        model='interop VCC', revision='1',
                                        syntaxes=None)
        if isinstance(req, mms.GetNameListRequest):
            return self.get_name_list(req)
        if isinstance(req, mms.GetVariableAccessAttributesRequest):
            return self.gvaa(req)
        if isinstance(req, mms.ReadRequest):
            return self.read(req)
        if isinstance(req, mms.WriteRequest):
            return self.write(conn, req)
        if isinstance(req, mms.DefineNamedVariableListRequest):
            name = name_str(req.name)
            members = [name_str(s.name) for s in req.specification]
            self.data_sets[name] = members
            emit('SERVED', 'defineNamedVariableList', name=name,
                 members=','.join(members))
            return mms.DefineNamedVariableListResponse()
        if isinstance(req, mms.DeleteNamedVariableListRequest):
            n = 0
            for name in req.names:
                if self.data_sets.pop(name_str(name), None) is not None:
                    n += 1
            emit('SERVED', 'deleteNamedVariableList', deleted=n)
            return mms.DeleteNamedVariableListResponse(matched=n, deleted=n)
        emit('SERVED', type(req).__name__, error='unsupported')
        return mms.ServiceError.OTHER

    def get_name_list(self, req):
        scope = req.object_scope
        if req.object_class == mms.ObjectClass.DOMAIN:
            names = [self.icc]
        elif req.object_class == mms.ObjectClass.NAMED_VARIABLE:
            if isinstance(scope, mms.VmdSpecificObjectScope):
                names = ['Supported_Features', 'TASE2_Version']
            elif isinstance(scope, mms.DomainSpecificObjectScope) and \
                    scope.identifier == self.icc:
                names = self.variables()
            elif isinstance(scope, mms.AaSpecificObjectScope):
                names = ['IM_Transfer_Set']
            else:
                names = []
        else:
            names = []
        if req.continue_after:
            names = [n for n in names if n > req.continue_after]
        emit('SERVED', 'getNameList', count=len(names))
        return mms.GetNameListResponse(identifiers=names, more_follows=False)

    def gvaa(self, req):
        name = req.value
        t = None
        if isinstance(name, mms.DomainSpecificObjectName) and \
                name.domain_id == self.icc:
            item = name.item_id
            t = POINT_TYPES.get(item)
            if item == 'DSTransferSet01':
                t = TS_T
            elif item in ('Breaker1', 'Breaker1_SBO'):
                t = mms.IntegerTypeDescription(16)
        emit('SERVED', 'getVariableAccessAttributes',
             name=name_str(name) if not isinstance(name, (int, str, bytes))
             else name, found=t is not None)
        if t is None:
            return mms.AccessError.OBJECT_NON_EXISTENT
        return mms.GetVariableAccessAttributesResponse(mms_deletable=False,
                                                      type_description=t)

    def read_one(self, name):
        if isinstance(name, mms.VmdSpecificObjectName):
            if name.identifier == 'TASE2_Version':
                return mms.StructureData([mms.IntegerData(2000),
                                          mms.IntegerData(8)])
            if name.identifier == 'Supported_Features':
                # blocks 1, 2, 4, 5
                return bits('110110000000')
            return mms.DataAccessError.OBJECT_ACCESS_DENIED
        if isinstance(name, mms.AaSpecificObjectName):
            if name.identifier == 'IM_Transfer_Set':
                return mms.BooleanData(self.im_enabled)
            return mms.DataAccessError.OBJECT_NON_EXISTENT
        if not isinstance(name, mms.DomainSpecificObjectName) or \
                name.domain_id != self.icc:
            return mms.DataAccessError.OBJECT_ACCESS_DENIED
        item = name.item_id
        if item == 'Bilateral_Table_ID':
            return mms.VisibleStringData('BLT_PEER_1')
        if item == 'Next_DSTransfer_Set':
            if self.ts_reserved:
                return mms.DataAccessError.TEMPORARILY_UNAVAILABLE
            self.ts_reserved = True
            return object_name_data(1, self.icc, 'DSTransferSet01')
        if item == 'DSTransferSet01':
            return mms.StructureData(list(self.ts_values))
        if item == 'Breaker1_SBO':
            self.armed = True
            emit('SELECTED', device='Breaker1')
            return mms.IntegerData(CHECK_BACK)
        if item in POINT_VALUES:
            return POINT_VALUES[item]
        return mms.DataAccessError.OBJECT_ACCESS_DENIED

    def read(self, req):
        if not isinstance(req.value, list):
            emit('SERVED', 'read', list=name_str(req.value),
                 error='object-access-denied')
            return mms.ReadResponse(results=[
                mms.DataAccessError.OBJECT_ACCESS_DENIED])
        results = [self.read_one(s.name) for s in req.value]
        emit('SERVED', 'read',
             names=','.join(name_str(s.name) for s in req.value),
             results=jtok([common.data_to_json(r) for r in results]))
        return mms.ReadResponse(results=results)

    def write(self, conn, req):
        results = []
        alt = list(ALT_COMPONENTS)
        for i, (s, data) in enumerate(zip(req.specification, req.data)):
            comp = alt[i] if i < len(alt) else None
            results.append(self.write_one(conn, s.name, comp, data))
        emit('SERVED', 'write',
             names=','.join(name_str(s.name) for s in req.specification),
             components=','.join(c or '-' for c in alt) or None,
             results=','.join('success' if r is None else r.name.lower()
                              for r in results))
        return mms.WriteResponse(results=results)

    def write_one(self, conn, name, comp, data):
        if isinstance(name, mms.AaSpecificObjectName) and \
                name.identifier == 'IM_Transfer_Set':
            if not isinstance(data, mms.BooleanData):
                return mms.DataAccessError.TYPE_INCONSISTENT
            self.im_enabled = data.value
            emit('IM_ENABLED', value=data.value)
            if data.value:
                self.loop.create_task(self.send_info_message(conn))
            return None
        if not isinstance(name, mms.DomainSpecificObjectName) or \
                name.domain_id != self.icc:
            return mms.DataAccessError.OBJECT_ACCESS_DENIED
        item = name.item_id
        if item == 'DSTransferSet01':
            return self.write_ts(conn, comp, data)
        if item == 'Breaker1':
            if not isinstance(data, mms.IntegerData):
                return mms.DataAccessError.TYPE_INCONSISTENT
            if data.value not in (0, 1):
                return mms.DataAccessError.OBJECT_VALUE_INVALID
            if not self.armed:
                emit('OPERATE_REFUSED', device='Breaker1', reason='not-armed')
                return mms.DataAccessError.TEMPORARILY_UNAVAILABLE
            self.armed = False
            emit('OPERATED', device='Breaker1', value=data.value)
            return None
        return mms.DataAccessError.OBJECT_ACCESS_DENIED

    def write_ts(self, conn, comp, data):
        if comp is None:
            if not isinstance(data, mms.StructureData):
                return mms.DataAccessError.OBJECT_ATTRIBUTE_INCONSISTENT
            elements = list(data.elements)
            if len(elements) == 12:   # 1996.08: no AllChangesReported
                elements.insert(10, mms.BooleanData(False))
            if len(elements) != 13:
                return mms.DataAccessError.OBJECT_ATTRIBUTE_INCONSISTENT
            try:
                decode_object_name(elements[0])
            except ValueError:
                return mms.DataAccessError.OBJECT_ATTRIBUTE_INCONSISTENT
            self.ts_values = elements
            emit('TS_WRITE', form='whole', components=len(data.elements))
        else:
            if comp not in TS_COMPONENTS_2000:
                return mms.DataAccessError.OBJECT_NON_EXISTENT
            i = TS_COMPONENTS_2000.index(comp)
            if type(data) is not type(self.ts_values[i]):
                return mms.DataAccessError.OBJECT_ATTRIBUTE_INCONSISTENT
            self.ts_values[i] = data
            emit('TS_WRITE', form='component', component=comp)
        status = self.ts_values[11].value
        if status and (comp is None or comp == 'Status'):
            self.loop.create_task(self.enabled(conn))
        return None

    async def enabled(self, conn):
        v = self.ts_values
        scope, d, ds_item, _ = decode_object_name(v[0])
        ds = f'{d}/{ds_item}' if scope == 1 else f'vmd:{ds_item}'
        emit('TS_ENABLED', ts=f'{self.icc}/DSTransferSet01', ds=ds,
             critical=v[8].value, rbe=v[9].value,
             conditions=bits_str(v[6]))
        members = self.data_sets.get(ds)
        if members is None:
            emit('ERROR', f'unknown_data_set:{ds}')
            return
        await asyncio.sleep(0.2)
        now = int(time.time())
        ts_name = object_name_data(1, self.icc, 'DSTransferSet01')

        def special(item, conditions):
            if item == 'Transfer_Set_Name':
                return ts_name
            if item == 'Transfer_Set_Time_Stamp':
                return mms.IntegerData(now)
            if item == 'DSConditions_Detected':
                return bits(conditions)
            if item == 'Event_Code_Detected':
                return mms.IntegerData(0)
            return None

        # A. named-variable-list form: every member, in member order
        values = []
        for m in members:
            dom_, _, item = m.partition('/')
            value = special(item, '01000')   # IntegrityTimeOut
            if value is None:
                value = POINT_VALUES.get(item,
                                         mms.DataAccessError.OBJECT_NON_EXISTENT)
            values.append(value)
        d_, _, i_ = ds.partition('/')
        await conn.send_unconfirmed(mms.InformationReportUnconfirmed(
            specification=mms.DomainSpecificObjectName(d_, i_), data=values))
        emit('REPORT_SENT', form='named', ts=f'{self.icc}/DSTransferSet01',
             time_stamp=now)
        await asyncio.sleep(0.2)

        # B. list-of-variables form: Transfer_Set_Name first, the other
        # special variables of the data set, then the changed point
        changed = mms.StructureData([mms.FloatingPointData(232.25),
                                     mms.IntegerData(now),
                                     bits('00100010')])  # suspect, abnormal
        names, values = [], []
        for m in members:
            dom_, _, item = m.partition('/')
            value = special(item, '00100')   # ObjectChange
            if value is not None:
                names.append(dom(self.icc, item))
                values.append(value)
        names.append(dom(self.icc, 'Voltage'))
        values.append(changed)
        await conn.send_unconfirmed(mms.InformationReportUnconfirmed(
            specification=[spec(n) for n in names], data=values))
        emit('REPORT_SENT', form='list', ts=f'{self.icc}/DSTransferSet01',
             time_stamp=now)
        await asyncio.sleep(0.2)

        # C. a report of a transfer set the client never configured
        await conn.send_unconfirmed(mms.InformationReportUnconfirmed(
            specification=[spec(dom(self.icc, 'Transfer_Set_Name')),
                           spec(dom(self.icc, 'Transfer_Set_Time_Stamp')),
                           spec(dom(self.icc, 'Voltage'))],
            data=[object_name_data(1, self.icc, 'DSTransferSet99'),
                  mms.IntegerData(now), changed]))
        emit('REPORT_SENT', form='list', ts=f'{self.icc}/DSTransferSet99',
             time_stamp=now)

    async def send_info_message(self, conn):
        await asyncio.sleep(0.2)
        text = b'peer VCC: shift change at 06:00'
        buf = text + bytes(64 - len(text))
        header = mms.StructureData([mms.IntegerData(7), mms.IntegerData(0),
                                    mms.IntegerData(1),
                                    mms.IntegerData(len(text))])
        await conn.send_unconfirmed(mms.InformationReportUnconfirmed(
            specification=[spec(mms.VmdSpecificObjectName('Info_Mess_Header')),
                           spec(mms.VmdSpecificObjectName('Info_Buff_64'))],
            data=[header, mms.OctetStringData(buf)]))
        emit('IM_SENT', info_reference=7, size=len(text))

    async def on_unconfirmed(self, conn, u):
        if not isinstance(u, mms.InformationReportUnconfirmed) or \
                not isinstance(u.specification, list):
            emit('UNCONFIRMED', type(u).__name__)
            return
        names = [name_str(s.name) for s in u.specification]
        values = list(u.data)
        items = [n.split('/')[-1] for n in names]
        try:
            if items and items[0] in ('Transfer_Report_ACK',
                                      'Transfer_Report_NACK'):
                scope, d, n, kind = decode_object_name(values[0])
                stamp = None
                if len(items) > 1 and items[1] == 'Transfer_Set_Time_Stamp':
                    stamp = values[1].value
                word = 'ACK_RECEIVED' if items[0] == 'Transfer_Report_ACK' \
                    else 'NACK_RECEIVED'
                emit(word, ts=ts_label(scope, d, n), time_stamp=stamp,
                     scope_kind=kind, names=','.join(names))
                return
        except (ValueError, AttributeError) as e:
            emit('BAD_ACK', error=str(e).replace(' ', '_'))
            return
        emit('UNCONFIRMED', 'InformationReport', names=','.join(names))


async def server_main(args):
    # report_association decodes the AARQ and initiate with hat's decoders
    hat_mms_server.ORIG.setdefault('acse', hat_acse._decode)
    hat_mms_server.ORIG.setdefault('mms', mms_connection._decode)
    vcc = Vcc(args)
    vcc.loop = asyncio.get_running_loop()
    done = asyncio.Event()

    async def watch(conn):
        await conn.wait_closed()
        emit('CLOSED')
        done.set()

    async def on_connection(conn):
        hat_mms_server.report_association(conn)
        vcc.conn = conn
        vcc.loop.create_task(watch(conn))

    srv = await mms.listen(on_connection,
                           net.TcpAddress(args.host, args.port),
                           request_cb=vcc.on_request,
                           unconfirmed_cb=vcc.on_unconfirmed)
    emit('READY', srv.info.addresses[0].port)
    try:
        await asyncio.wait_for(done.wait(), args.timeout)
        code = 0
        emit('DONE')
    except asyncio.TimeoutError:
        emit('TIMEOUT')
        code = 2
    try:
        await asyncio.wait_for(srv.async_close(), 5)
    except Exception:
        pass
    return code


if __name__ == '__main__':
    common.setup_logging()
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest='role', required=True)
    c = sub.add_parser('client')
    c.add_argument('host')
    c.add_argument('port', type=int)
    c.add_argument('--ap-title')
    c.add_argument('--ae-qualifier', type=int)
    c.add_argument('--icc', default='ICC1')
    c.add_argument('--form', choices=['whole', 'components'], default='whole')
    c.add_argument('--reports', type=int, default=1)
    c.add_argument('--device')
    c.add_argument('--timeout', type=float, default=20.0)
    s = sub.add_parser('server')
    s.add_argument('port', type=int)
    s.add_argument('--host', default='127.0.0.1')
    s.add_argument('--icc', default='ICC1')
    s.add_argument('--timeout', type=float, default=30.0)
    args = parser.parse_args()
    args.timeout = min(args.timeout, 30.0)
    try:
        if args.role == 'client':
            code = asyncio.run(client_main(args))
        else:
            install_alternate_access_tap()
            code = asyncio.run(server_main(args))
    except Exception as e:
        text = str(e).replace('\n', ' ') or type(e).__name__
        emit('ERROR', f'{type(e).__name__}: {text}'.replace(' ', '_'))
        code = 1
    common.finish(code)
