"""hat-drivers MMS server that serves a small model (osi-mms interop-tests).

Usage: hat_mms_model_server.py PORT [--host H] [--timeout S] [--page-size N]
       [--associations N] [--reject SERVICE]... [--report-on-write]
       [--report-after S] [--close-after S]

PORT 0 lets the OS pick a free port. The model (see MODEL below):

    VMD domains      LD0, LD1, PEERLD0
    LD0 variables    Bool1 (boolean), Float1 (float32), Int1 (integer 32),
                     Str1 (visible-string 32), Struct1 {stVal int32,
                     q bit-string 13, mag float32}
    LD1 variables    Float2 (float32)
    PEERLD0          GGIO1$MX$AnIn1$mag$f (float32), GGIO1$ST$Ind1$stVal
                     (boolean), GGIO1$SP$SetPt1$setVal (integer 32): the
                     names the iec61850 client makes of IEC 61850 references

getNameList answers at most --page-size names (default 2) per response, in
alphabetical order, starting after continueAfter, with moreFollows set when
names remain (hat itself has no paging: it is done here). Writes are type
checked and change the model. Prints (see README.md for every line):

    READY <port>
    CONNECTED / AARQ / INITIATE_REQUEST ...    as hat_mms_server.py
    SERVED <service> key=value ...             one line per request answered
    REJECTED <service> invoke_id=N reason=..   a request answered with a Reject PDU
    REPORT_SENT names=.. values=[..]           an informationReport this server sent
    UNCONFIRMED <kind> ...                     an unconfirmed PDU received
    CLOSED mms=.. acse=.. copp=.. session=..
    TIMEOUT / ERROR <text>

Exits 0 after --associations associations (default 1) have closed, 2 on
timeout (default 30 s), 1 on error.
"""

import argparse
import asyncio
import copy

from hat.drivers import mms
from hat.drivers import net
from hat.drivers.mms import connection as mms_connection

import common
import hat_mms_server
from common import emit, jtok


F32 = mms.FloatingPointTypeDescription(format_width=32, exponent_width=8)
I32 = mms.IntegerTypeDescription(32)

# domain -> item -> (type description, initial value)
MODEL = {
    'LD0': {
        'Bool1': (mms.BooleanTypeDescription(), mms.BooleanData(True)),
        'Float1': (F32, mms.FloatingPointData(1.5)),
        'Int1': (I32, mms.IntegerData(-42)),
        'Str1': (mms.VisibleStringTypeDescription(32),
                 mms.VisibleStringData('hello')),
        'Struct1': (mms.StructureTypeDescription([
                        ('stVal', I32),
                        ('q', mms.BitStringTypeDescription(13)),
                        ('mag', F32)]),
                    mms.StructureData([
                        mms.IntegerData(1),
                        mms.BitStringData([False] * 13),
                        mms.FloatingPointData(0.25)])),
    },
    'LD1': {
        'Float2': (F32, mms.FloatingPointData(3.0)),
    },
    # IEC 61850-8-1 style names (LN$FC$DO$DA) for the iec61850 client
    'PEERLD0': {
        'GGIO1$MX$AnIn1$mag$f': (F32, mms.FloatingPointData(1.5)),
        'GGIO1$ST$Ind1$stVal': (mms.BooleanTypeDescription(),
                                mms.BooleanData(True)),
        'GGIO1$SP$SetPt1$setVal': (I32, mms.IntegerData(7)),
    },
}

# request name in the ASN.1 CHOICE -> word used on the command line / output
SERVICES = ['status', 'getNameList', 'identify', 'read', 'write',
            'getVariableAccessAttributes', 'getNamedVariableListAttributes',
            'defineNamedVariableList', 'deleteNamedVariableList']

# ISO 9506-2 RejectPDU rejectReason confirmed-requestPDU values
REJECT_REASONS = {'other': 0, 'unrecognized-service': 1,
                  'unrecognized-modifier': 2, 'invalid-invokeID': 3,
                  'invalid-argument': 4, 'invalid-modifier': 5,
                  'max-serv-outstanding-exceeded': 6, 'max-recursion-exceeded': 8,
                  'value-out-of-range': 9}


class Model:
    """The served variables; values change on write."""

    def __init__(self, page_size):
        self.page_size = page_size
        self.values = {d: {i: copy.deepcopy(v) for i, (_, v) in items.items()}
                       for d, items in MODEL.items()}

    def lookup(self, name):
        if not isinstance(name, mms.DomainSpecificObjectName):
            return None
        entry = MODEL.get(name.domain_id, {}).get(name.item_id)
        return entry

    def page(self, names, continue_after):
        names = sorted(names)
        if continue_after is not None:
            names = [n for n in names if n > continue_after]
        return names[:self.page_size], len(names) > self.page_size


def type_matches(t, data):
    """Is ``data`` a value of type description ``t``?"""
    if isinstance(t, mms.BooleanTypeDescription):
        return isinstance(data, mms.BooleanData)
    if isinstance(t, mms.FloatingPointTypeDescription):
        return isinstance(data, mms.FloatingPointData)
    if isinstance(t, mms.IntegerTypeDescription):
        return (isinstance(data, mms.IntegerData) and
                -(1 << (t.xyz - 1)) <= data.value < (1 << (t.xyz - 1)))
    if isinstance(t, mms.VisibleStringTypeDescription):
        return (isinstance(data, mms.VisibleStringData) and
                len(data.value) <= abs(t.xyz))
    if isinstance(t, mms.BitStringTypeDescription):
        return (isinstance(data, mms.BitStringData) and
                len(list(data.value)) == t.xyz)
    if isinstance(t, mms.StructureTypeDescription):
        if not isinstance(data, mms.StructureData):
            return False
        comps = list(t.components)
        elems = list(data.elements)
        return (len(comps) == len(elems) and
                all(type_matches(c, e) for (_, c), e in zip(comps, elems)))
    return False


def class_word(object_class):
    return object_class.name.lower().replace('_', '-')


def scope_tokens(scope):
    if isinstance(scope, mms.DomainSpecificObjectScope):
        return {'scope': 'domain', 'domain': scope.identifier}
    if isinstance(scope, mms.VmdSpecificObjectScope):
        return {'scope': 'vmd', 'domain': None}
    return {'scope': 'aa', 'domain': None}


class Handler:
    """hat request callback serving :class:`Model`."""

    def __init__(self, args):
        self.args = args
        self.model = Model(args.page_size)

    async def on_request(self, conn, req):
        if isinstance(req, mms.IdentifyRequest):
            emit('SERVED', 'identify', vendor='hat-drivers',
                 model='osi-mms-model-peer', revision='1')
            return mms.IdentifyResponse(vendor='hat-drivers',
                                        model='osi-mms-model-peer',
                                        revision='1', syntaxes=None)

        if isinstance(req, mms.StatusRequest):
            emit('SERVED', 'status', logical=0, physical=0)
            return mms.StatusResponse(logical=0, physical=0)

        if isinstance(req, mms.GetNameListRequest):
            return self.get_name_list(req)

        if isinstance(req, mms.GetVariableAccessAttributesRequest):
            entry = self.model.lookup(req.value)
            name = (common.object_name_str(req.value)
                    if isinstance(req.value, tuple) else str(req.value))
            if entry is None:
                emit('SERVED', 'getVariableAccessAttributes', name=name,
                     error='access:object-non-existent')
                return mms.AccessError.OBJECT_NON_EXISTENT
            emit('SERVED', 'getVariableAccessAttributes', name=name,
                 deletable='false', type=jtok(common.type_to_json(entry[0])))
            return mms.GetVariableAccessAttributesResponse(
                mms_deletable=False, type_description=entry[0])

        if isinstance(req, mms.ReadRequest):
            return self.read(req)

        if isinstance(req, mms.WriteRequest):
            return await self.write(conn, req)

        kind = type(req).__name__
        emit('SERVED', kind, error='service:other')
        return mms.ServiceError.OTHER

    def get_name_list(self, req):
        tokens = {'class': class_word(req.object_class),
                  **scope_tokens(req.object_scope),
                  'continue_after': req.continue_after}
        scope = req.object_scope
        if req.object_class == mms.ObjectClass.DOMAIN and \
                isinstance(scope, mms.VmdSpecificObjectScope):
            names = list(MODEL)
        elif req.object_class == mms.ObjectClass.NAMED_VARIABLE and \
                isinstance(scope, mms.DomainSpecificObjectScope):
            if scope.identifier not in MODEL:
                emit('SERVED', 'getNameList', **tokens,
                     error='definition:object-undefined')
                return mms.DefinitionError.OBJECT_UNDEFINED
            names = list(MODEL[scope.identifier])
        else:
            names = []   # no VMD/AA variables, no lists, no journals
        page, more = self.model.page(names, req.continue_after)
        emit('SERVED', 'getNameList', **tokens, count=len(page),
             more_follows=more, names=','.join(page) or None)
        return mms.GetNameListResponse(identifiers=page, more_follows=more)

    def read(self, req):
        if not isinstance(req.value, list):
            emit('SERVED', 'read',
                 names=','.join(common.spec_names(req.value)),
                 error='access:object-non-existent')
            return mms.AccessError.OBJECT_NON_EXISTENT
        results = []
        for spec in req.value:
            name = getattr(spec, 'name', None)
            if self.model.lookup(name) is None:
                results.append(mms.DataAccessError.OBJECT_NON_EXISTENT)
            else:
                results.append(self.model.values[name.domain_id][name.item_id])
        emit('SERVED', 'read', names=','.join(common.spec_names(req.value)),
             results=jtok([common.data_to_json(r) for r in results]))
        return mms.ReadResponse(results=results)

    async def write(self, conn, req):
        names = common.spec_names(req.specification)
        if not isinstance(req.specification, list) or \
                len(req.specification) != len(list(req.data)):
            emit('SERVED', 'write', names=','.join(names),
                 error='access:object-access-unsupported')
            return mms.AccessError.OBJECT_ACCESS_UNSUPPORTED
        results = []
        written = []
        for spec, data in zip(req.specification, req.data):
            name = getattr(spec, 'name', None)
            entry = self.model.lookup(name)
            if entry is None:
                results.append(mms.DataAccessError.OBJECT_NON_EXISTENT)
            elif not type_matches(entry[0], data):
                results.append(mms.DataAccessError.TYPE_INCONSISTENT)
            else:
                self.model.values[name.domain_id][name.item_id] = data
                results.append(None)
                written.append((name, data))
        emit('SERVED', 'write', names=','.join(names),
             values=jtok([common.data_to_json(d) for d in req.data]),
             results=jtok(['success' if r is None
                           else common.data_to_json(r)['error']
                           for r in results]))
        if self.args.report_on_write and written:
            # sent after the response: scheduled, not awaited here
            asyncio.get_running_loop().create_task(self.report(conn, written))
        return mms.WriteResponse(results=results)

    async def report(self, conn, items):
        await asyncio.sleep(0)
        specs = [mms.NameVariableSpecification(n) for n, _ in items]
        data = [d for _, d in items]
        try:
            await conn.send_unconfirmed(mms.InformationReportUnconfirmed(
                specification=specs, data=data))
            emit('REPORT_SENT',
                 names=','.join(common.object_name_str(n) for n, _ in items),
                 values=jtok([common.data_to_json(d) for d in data]))
        except Exception as e:
            emit('REPORT_FAILED', error=type(e).__name__)


def install_reject(args):
    """Make hat answer the chosen services with a Reject PDU instead of a
    response. hat has no API for sending a RejectPDU, so this wraps the
    connection's private request handler (hat-drivers 0.10.10) and encodes
    the PDU with hat's own MMS codec."""
    remaining = {s: args.reject_count for s in args.reject}
    reason = REJECT_REASONS[args.reject_reason]
    orig = mms_connection.Connection._process_request

    async def process_request(self, data):
        service = data['service'][0]
        if remaining.get(service, 0) > 0:
            remaining[service] -= 1
            pdu = 'rejectPDU', {
                'originalInvokeID': data['invokeID'],
                'rejectReason': ('confirmed-requestPDU', reason)}
            await self._conn.send((mms_connection._mms_syntax_name,
                                   mms_connection._encode(pdu)))
            emit('REJECTED', service, invoke_id=data['invokeID'],
                 reason=f'confirmed-requestPDU:{args.reject_reason}')
            return
        await orig(self, data)

    mms_connection.Connection._process_request = process_request


async def main(args):
    handler = Handler(args)
    done = asyncio.Event()
    closed_count = 0
    loop = asyncio.get_running_loop()

    async def on_unconfirmed(conn, unconfirmed):
        emit('UNCONFIRMED', type(unconfirmed).__name__)

    async def watch(conn):
        nonlocal closed_count
        await conn.wait_closed()
        emit('CLOSED', **hat_mms_server.close_tokens(conn))
        closed_count += 1
        if closed_count >= args.associations:
            done.set()

    async def on_connection(conn):
        hat_mms_server.report_association(conn)
        loop.create_task(watch(conn))
        if args.report_after is not None:
            async def report_later():
                await asyncio.sleep(args.report_after)
                name = mms.DomainSpecificObjectName('LD0', 'Float1')
                await handler.report(conn, [
                    (name, handler.model.values['LD0']['Float1'])])
            loop.create_task(report_later())
        if args.close_after is not None:
            async def close_later():
                await asyncio.sleep(args.close_after)
                emit('CLOSING')
                await conn.async_close()
            loop.create_task(close_later())

    srv = await mms.listen(on_connection,
                           net.TcpAddress(args.host, args.port),
                           request_cb=handler.on_request,
                           unconfirmed_cb=on_unconfirmed)
    emit('READY', srv.info.addresses[0].port)

    try:
        await asyncio.wait_for(done.wait(), args.timeout)
        code = 0
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
    parser.add_argument('port', type=int)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--timeout', type=float, default=30.0)
    parser.add_argument('--page-size', type=int, default=2,
                        help='names per getNameList response (default 2)')
    parser.add_argument('--associations', type=int, default=1,
                        help='exit after this many associations closed')
    parser.add_argument('--reject', action='append', default=[],
                        choices=SERVICES,
                        help='answer this confirmed service with a Reject '
                             'PDU instead of a response (repeatable)')
    parser.add_argument('--reject-count', type=int, default=1,
                        help='how many requests of each --reject service '
                             'to reject (default 1)')
    parser.add_argument('--reject-reason', default='unrecognized-service',
                        choices=sorted(REJECT_REASONS))
    parser.add_argument('--report-on-write', action='store_true',
                        help='after each successful write, send an '
                             'informationReport of the written variables')
    parser.add_argument('--report-after', type=float, default=None,
                        help='send an informationReport of LD0/Float1 S '
                             'seconds after each association starts')
    parser.add_argument('--close-after', type=float, default=None,
                        help='server closes the association after S seconds '
                             '(hat sends conclude-Request, then ABRT in FN)')
    args = parser.parse_args()
    args.timeout = min(args.timeout, 30.0)
    args.page_size = max(1, args.page_size)
    hat_mms_server.install_taps()
    if args.reject:
        install_reject(args)
    try:
        code = asyncio.run(main(args))
    except Exception as e:
        emit('ERROR', str(e).replace('\n', ' ') or type(e).__name__)
        code = 1
    common.finish(code)
