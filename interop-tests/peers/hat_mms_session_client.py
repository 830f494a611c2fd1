"""hat-drivers MMS client running a scripted session (osi-mms interop-tests).

Usage: hat_mms_session_client.py HOST PORT [--domain D] [--gvaa D/ITEM]...
       [--read D/ITEM]... [--write D/ITEM=JSON] [--wait-report S]
       [--close release|conclude|hat] [--no-identify] [--no-names]
       [--local-detail-calling N|none] [--timeout S]

Steps, in order, one output line (or more) each (see README.md):

    ASSOCIATED ... / INITIATE_RESPONSE ...   mms.connect (localDetailCalling 65000)
    IDENTIFY vendor= model= revision=        identify (unless --no-identify)
    NAMELIST class=domain scope=vmd page=N continue_after= count= more_follows= names=
    NAMELIST_DONE class=domain scope=vmd pages= count= names=
    NAMELIST / NAMELIST_DONE class=named-variable scope=domain domain=D ...
                                             variables of --domain (default: the
                                             first domain), paging with
                                             continueAfter until moreFollows=false
    GVAA name=D/ITEM deletable= type=JSON    per --gvaa (default: first variable)
    READ index=I name=D/ITEM result=JSON     one Read request with every --read
    WRITE name=D/ITEM value=JSON result=success|<error>
    INFORMATION_REPORT names=.. values=[..]  whenever one arrives
    REPORT_WAIT received=N | REPORT_TIMEOUT  --wait-report S: wait for >= 1 report
    CONCLUDED result=conclude-ResponsePDU|conclude-ErrorPDU|rejectPDU
    RELEASE_SPDU spdu=DN|FN|AB user_data_len= acse= reason=
                                             each SPDU received after our RLRQ
    RELEASED session=DN|FN|AB|closed acse=rlre|abrt|- reason=..
                                             summary: the first of them
    CLOSED mms=.. acse=.. copp=.. session=..  (--close hat only)
    REJECT_RECEIVED invoke_id= reason=       a Reject PDU from the peer
    SERVICE_ERROR step=.. error=..           a confirmed-ErrorPDU answer
    DONE                                     all steps finished; exit 0
    ERROR <Type>: <text>                     exit 1

--close release (default): conclude-Request, wait for the conclude-Response,
then an ACSE RLRQ in a session FINISH, wait for the DISCONNECT (RLRE) and
report it. hat itself has no A-RELEASE: this mode sends the FINISH through
hat's private layer objects. --close conclude: conclude and wait, then hat's
own close (FINISH{ARU{ABRT}}). --close hat: hat's own conn.async_close()
(conclude-Request not awaited, then FINISH{ARU{ABRT}}).
"""

import argparse
import asyncio
import json

from hat.drivers import acse
from hat.drivers import cosp
from hat.drivers import copp
from hat.drivers import mms
from hat.drivers import net
from hat.drivers.cosp import encoder as cosp_encoder
from hat.drivers.mms import connection as mms_connection

import common
import hat_mms_client
from common import emit, jtok


class State:
    """What the patched hat internals report back to the script."""
    conclude = None        # future: name of the PDU answering conclude
    releasing = False
    release = None         # future: (spdu name, acse name, reason)
    reports = 0            # informationReports received


STATE = State()
MMS_SYNTAX = mms_connection._mms_syntax_name
ACSE_SYNTAX = (2, 2, 1, 0, 1)


def install_patches():
    """Adapt hat-drivers 0.10.10 internals so the session can (a) receive a
    conclude-Response or a Reject PDU without hat treating it as fatal and
    (b) skip hat's own conclude-Request when this script already concluded,
    and (c) see the session DISCONNECT that answers our RLRQ."""
    conn_cls = mms_connection.Connection
    orig_loop = conn_cls._receive_loop
    orig_on_close = conn_cls._on_close

    async def receive_loop(self):
        # hat's loop raises on any PDU it does not know; catch the two this
        # script handles before they get there, by filtering the ACSE queue
        acse_conn = self._conn
        orig_receive = acse_conn.receive

        async def receive():
            while True:
                syntax_name, entity = await orig_receive()
                if syntax_name != MMS_SYNTAX:
                    return syntax_name, entity
                name, data = mms_connection._decode(entity)
                if name == 'conclude-ResponsePDU' or \
                        name == 'conclude-ErrorPDU':
                    if STATE.conclude and not STATE.conclude.done():
                        STATE.conclude.set_result(name)
                    continue
                if name == 'rejectPDU':
                    reason = data.get('rejectReason')
                    emit('REJECT_RECEIVED',
                         invoke_id=data.get('originalInvokeID'),
                         reason=(f'{reason[0]}:{reason[1]}' if reason
                                 else None))
                    inv = data.get('originalInvokeID')
                    fut = self._response_futures.get(inv)
                    if fut and not fut.done():
                        fut.set_result(RejectAnswer(reason))
                    if STATE.conclude and not STATE.conclude.done() and \
                            reason and reason[0].startswith('conclude'):
                        STATE.conclude.set_result('rejectPDU')
                    continue
                return syntax_name, entity

        acse_conn.receive = receive
        await orig_loop(self)

    async def on_close(self):
        if self._close_pdu is None:
            await self._conn.async_close()
            return
        await orig_on_close(self)

    conn_cls._receive_loop = receive_loop
    conn_cls._on_close = on_close

    # session tap: the DISCONNECT (or FINISH/ABORT) answering our RLRQ
    orig_spdu = cosp_encoder.decode

    def spdu_tap(data):
        spdu = orig_spdu(data)
        if STATE.releasing and spdu.type != cosp.common.SpduType.DT:
            acse_name, reason = decode_release_user_data(spdu.user_data)
            ud = spdu.user_data
            emit('RELEASE_SPDU', spdu=spdu.type.name,
                 user_data_len=None if ud is None else len(ud),
                 acse=acse_name, reason=reason)
            if STATE.release and not STATE.release.done():
                STATE.release.set_result((spdu.type.name, acse_name, reason))
            if spdu.type in (cosp.common.SpduType.DN, cosp.common.SpduType.FN):
                # hat's session layer answers an unexpected DN with an ABORT
                # (and a FN with a DN); a requester that got the answer to its
                # FINISH just closes (X.225), so hand hat an AB, on which it
                # closes the transport silently
                return cosp.common.Spdu(type=cosp.common.SpduType.AB)
        return spdu

    cosp_encoder.decode = spdu_tap


class RejectAnswer:
    """Result of a confirmed request that the peer rejected."""

    def __init__(self, reason):
        self.reason = reason


def decode_release_user_data(user_data):
    """Session user data (presentation User-data) -> (ACSE APDU name, reason)."""
    if not user_data:
        return None, None
    try:
        ud = copp._decode('User-data', user_data)
        pdv = ud[1][0]
        apdu = acse._decode(pdv['presentation-data-values'][1])
        return apdu[0], apdu[1].get('reason')
    except Exception:
        try:
            ppdu = copp._decode('Abort-type', user_data)
            return ppdu[0], None
        except Exception as e:
            return f'undecodable:{type(e).__name__}', None


def is_error(res):
    return isinstance(res, (mms.VmdStateError, mms.ApplicationReferenceError,
                            mms.DefinitionError, mms.ResourceError,
                            mms.ServiceError, mms.ServicePreemptError,
                            mms.TimeResolutionError, mms.AccessError,
                            mms.InitiateError, mms.ConcludeError,
                            mms.CancelError, mms.FileError, mms.OtherError))


def error_word(res):
    if isinstance(res, RejectAnswer):
        r = res.reason
        return f'reject:{r[0]}:{r[1]}' if r else 'reject'
    if isinstance(res, mms.OtherError):
        return f'other:{res.value}'
    cls = type(res).__name__.replace('Error', '').lower()
    return f'{cls}:{res.name.lower().replace("_", "-")}'


class Session:
    def __init__(self, args, conn, first_report):
        self.args = args
        self.conn = conn
        self.first_report = first_report

    async def call(self, step, req):
        res = await asyncio.wait_for(self.conn.send_confirmed(req),
                                     self.args.timeout)
        if isinstance(res, RejectAnswer) or is_error(res):
            emit('SERVICE_ERROR', step=step, error=error_word(res))
            return None
        return res

    async def name_list(self, object_class, object_scope, **tokens):
        cls = object_class.name.lower().replace('_', '-')
        continue_after = None
        names = []
        pages = 0
        while True:
            res = await self.call('getNameList', mms.GetNameListRequest(
                object_class=object_class, object_scope=object_scope,
                continue_after=continue_after))
            if res is None:
                return None
            pages += 1
            page = list(res.identifiers)
            emit('NAMELIST', **{'class': cls}, **tokens, page=pages,
                 continue_after=continue_after, count=len(page),
                 more_follows=res.more_follows,
                 names=','.join(page) or None)
            names.extend(page)
            if not res.more_follows or not page or pages >= 100:
                break
            continue_after = page[-1]
        emit('NAMELIST_DONE', **{'class': cls}, **tokens, pages=pages,
             count=len(names), names=','.join(names) or None)
        return names

    async def run(self):
        args = self.args
        if not args.no_identify:
            res = await self.call('identify', mms.IdentifyRequest())
            if res is not None:
                emit('IDENTIFY', vendor=res.vendor, model=res.model,
                     revision=res.revision)

        variables = []
        domain = args.domain
        if not args.no_names:
            domains = await self.name_list(mms.ObjectClass.DOMAIN,
                                           mms.VmdSpecificObjectScope(),
                                           scope='vmd')
            if domain is None and domains:
                domain = domains[0]
            if domain is not None:
                variables = await self.name_list(
                    mms.ObjectClass.NAMED_VARIABLE,
                    mms.DomainSpecificObjectScope(domain),
                    scope='domain', domain=domain) or []

        gvaa = args.gvaa
        if not gvaa and variables and not args.no_gvaa:
            gvaa = [f'{domain}/{variables[0]}']
        for text in gvaa:
            res = await self.call('getVariableAccessAttributes',
                                  mms.GetVariableAccessAttributesRequest(
                                      common.object_name_arg(text)))
            if res is not None:
                emit('GVAA', name=text,
                     deletable=res.mms_deletable,
                     type=jtok(common.type_to_json(res.type_description)))

        if args.read:
            specs = [mms.NameVariableSpecification(common.object_name_arg(t))
                     for t in args.read]
            res = await self.call('read', mms.ReadRequest(specs))
            if res is not None:
                for i, (text, r) in enumerate(zip(args.read, res.results)):
                    emit('READ', index=i, name=text,
                         result=jtok(common.data_to_json(r)))

        for text in args.write:
            target, _, value_text = text.partition('=')
            value = common.data_from_json(json.loads(value_text))
            res = await self.call('write', mms.WriteRequest(
                specification=[mms.NameVariableSpecification(
                    common.object_name_arg(target))],
                data=[value]))
            if res is not None:
                r = list(res.results)[0]
                emit('WRITE', name=target,
                     value=jtok(common.data_to_json(value)),
                     result='success' if r is None
                     else common.data_to_json(r)['error'])

        if args.wait_report:
            try:
                await asyncio.wait_for(self.first_report.wait(),
                                       args.wait_report)
                emit('REPORT_WAIT', received=STATE.reports)
            except asyncio.TimeoutError:
                emit('REPORT_TIMEOUT', waited=args.wait_report)

        await self.close()
        emit('DONE')

    async def close(self):
        args = self.args
        conn = self.conn
        if args.close == 'hat':
            await asyncio.wait_for(conn.async_close(), args.timeout)
            emit('CLOSED', **hat_mms_client.close_tokens(conn))
            return

        loop = asyncio.get_running_loop()
        STATE.conclude = loop.create_future()
        await conn._conn.send((MMS_SYNTAX, mms_connection._encode(
            ('conclude-RequestPDU', None))))
        try:
            result = await asyncio.wait_for(asyncio.shield(STATE.conclude),
                                            args.timeout)
        except asyncio.TimeoutError:
            result = 'timeout'
        if conn.is_open:
            emit('CONCLUDED', result=result)
        else:
            emit('CONCLUDED', result=result, peer_closed='true')
        # the conclude is done: hat must not send its own conclude-Request
        conn._close_pdu = None

        if args.close == 'conclude' or not conn.is_open:
            await asyncio.wait_for(conn.async_close(), args.timeout)
            emit('CLOSED', **hat_mms_client.close_tokens(conn))
            return

        # A-RELEASE: RLRQ (reason normal) on the ACSE context, in the user
        # data of a session FINISH (X.226 P-RELEASE: no PPDU wrapper)
        acse_conn = conn._conn
        copp_conn = acse_conn._conn
        cosp_conn = copp_conn._conn
        rlrq = acse._encode(('rlrq', {'reason': 0}))
        ppdu = copp._encode('User-data', copp._user_data(
            copp_conn._syntax_names, (ACSE_SYNTAX, rlrq)))
        fn = cosp.common.Spdu(type=cosp.common.SpduType.FN,
                              transport_disconnect=True, user_data=ppdu)
        STATE.release = loop.create_future()
        STATE.releasing = True
        await cosp_conn._conn.send(cosp_encoder.encode(fn))
        try:
            spdu, apdu, reason = await asyncio.wait_for(
                asyncio.shield(STATE.release), args.timeout)
        except asyncio.TimeoutError:
            spdu, apdu, reason = ('closed' if not cosp_conn.is_open
                                  else 'timeout'), None, None
        await asyncio.sleep(0.2)   # let a second SPDU (FN then DN) show up
        emit('RELEASED', session=spdu, acse=apdu, reason=reason)
        try:
            await asyncio.wait_for(conn.async_close(), 5)
        except Exception:
            pass


async def main(args):
    first_report = asyncio.Event()

    async def on_unconfirmed(conn, unconfirmed):
        if isinstance(unconfirmed, mms.InformationReportUnconfirmed):
            STATE.reports += 1
            emit('INFORMATION_REPORT',
                 names=','.join(common.spec_names(unconfirmed.specification)),
                 values=jtok([common.data_to_json(d)
                              for d in unconfirmed.data]))
            first_report.set()
        else:
            emit('UNCONFIRMED', type(unconfirmed).__name__)

    async def on_request(conn, req):
        emit('PEER_REQUEST', type(req).__name__)
        return mms.ServiceError.OTHER

    ldc = None if args.local_detail_calling == 'none' \
        else int(args.local_detail_calling)
    conn = await asyncio.wait_for(
        mms.connect(net.TcpAddress(args.host, args.port),
                    local_detail_calling=ldc,
                    request_cb=on_request,
                    unconfirmed_cb=on_unconfirmed),
        args.timeout)

    info = conn.info
    emit('ASSOCIATED', local_port=info.local_addr.port,
         local_tsel=info.local_tsel, remote_tsel=info.remote_tsel,
         local_ssel=info.local_ssel, remote_ssel=info.remote_ssel,
         local_psel=info.local_psel, remote_psel=info.remote_psel)
    try:
        syntax, entity = conn._conn.conn_res_user_data
        name, fields = common.initiate_tokens(mms_connection._decode(entity))
        emit('INITIATE_RESPONSE', syntax=syntax, pdu=name, **fields)
    except Exception as e:
        emit('ERROR', f'cannot_report_initiate:{type(e).__name__}')

    session = Session(args, conn, first_report)
    await session.run()
    return 0


if __name__ == '__main__':
    common.setup_logging()
    parser = argparse.ArgumentParser()
    parser.add_argument('host')
    parser.add_argument('port', type=int)
    parser.add_argument('--timeout', type=float, default=10.0)
    parser.add_argument('--local-detail-calling', default='65000',
                        help='integer, or "none" to omit it (hat default)')
    parser.add_argument('--no-identify', action='store_true')
    parser.add_argument('--no-names', action='store_true',
                        help='skip both getNameList steps')
    parser.add_argument('--no-gvaa', action='store_true',
                        help='skip the default GVAA of the first variable')
    parser.add_argument('--domain',
                        help='domain whose variables are listed '
                             '(default: the first domain)')
    parser.add_argument('--gvaa', action='append', default=[],
                        metavar='DOMAIN/ITEM')
    parser.add_argument('--read', action='append', default=[],
                        metavar='DOMAIN/ITEM')
    parser.add_argument('--write', action='append', default=[],
                        metavar='DOMAIN/ITEM=JSON',
                        help='e.g. LD0/Int1={"integer":7}')
    parser.add_argument('--wait-report', type=float, default=0.0,
                        help='seconds to wait for an informationReport')
    parser.add_argument('--close', default='release',
                        choices=['release', 'conclude', 'hat'])
    args = parser.parse_args()
    args.timeout = min(args.timeout, 30.0)
    args.wait_report = min(args.wait_report, 30.0)
    install_patches()
    try:
        code = asyncio.run(main(args))
    except Exception as e:
        text = str(e).replace('\n', ' ') or type(e).__name__
        emit('ERROR', f'{type(e).__name__}: {text}')
        code = 1
    common.finish(code)
