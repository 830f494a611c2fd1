"""hat-drivers MMS server used as an independent peer by osi-mms interop-tests.

Usage: hat_mms_server.py PORT [--host H] [--timeout S] [--close-after S]

PORT 0 lets the OS pick a free port. Prints (see common.py for the format):

    READY <port>
    TPDU_IN / SPDU_IN / MMS_IN ...            what hat decoded at each layer
    CONNECTED key=value ...                   selectors, AP-titles, AE-qualifiers
    AARQ key=value ...                        the AARQ fields hat saw
    INITIATE_REQUEST key=value ...            the MMS initiate-RequestPDU fields
    REQUEST <kind> ...                        each confirmed request received
    UNCONFIRMED <kind>                        each unconfirmed PDU received
    CLOSED mms=.. acse=.. copp=.. session=..  what hat answered while closing
    TIMEOUT / ERROR <text>

Exits 0 after the first association closes, 2 on timeout (default 30 s),
1 on error. The layer taps (TPDU_IN, SPDU_IN, MMS_IN) wrap hat's module-level decode
functions; they only observe, every value is passed through unchanged.
"""

import argparse
import asyncio

from hat.drivers import acse
from hat.drivers import cosp
from hat.drivers import mms
from hat.drivers import net
from hat.drivers.cosp import encoder as cosp_encoder
from hat.drivers.cotp import encoder as cotp_encoder
from hat.drivers.mms import connection as mms_connection

import common
from common import emit


# hat's original decoders, kept so the reporting code can decode quietly
ORIG = {}


def install_taps():
    """Wrap hat's decoders so every received PDU (except data) is reported."""
    orig_tpdu = cotp_encoder.decode

    def tpdu_tap(data):
        tpdu = orig_tpdu(data)
        kind = type(tpdu).__name__
        if kind != 'DT':
            emit('TPDU_IN', kind, **tpdu._asdict())
        return tpdu

    cotp_encoder.decode = tpdu_tap

    orig_spdu = cosp_encoder.decode

    def spdu_tap(data):
        spdu = orig_spdu(data)
        if spdu.type != cosp.common.SpduType.DT:
            ud = spdu.user_data
            emit('SPDU_IN', spdu.type.name,
                 version=spdu.version_number,
                 requirements=spdu.requirements,
                 transport_disconnect=spdu.transport_disconnect,
                 calling_ssel=spdu.calling_ssel,
                 called_ssel=spdu.called_ssel,
                 user_data_len=None if ud is None else len(ud))
        return spdu

    cosp_encoder.decode = spdu_tap

    # ACSE is not tapped: hat decodes ACSE APDUs only while connecting
    # (the AARQ is reported by the AARQ line) and re-decodes its own AARE.
    ORIG['acse'] = acse._decode

    orig_mms = ORIG['mms'] = mms_connection._decode

    def mms_tap(entity):
        pdu = orig_mms(entity)
        emit('MMS_IN', pdu[0])
        return pdu

    mms_connection._decode = mms_tap


def report_association(conn):
    """Print what hat knows about a new association."""
    info = conn.info
    emit('CONNECTED',
         remote_host=info.remote_addr.host,
         remote_port=info.remote_addr.port,
         local_tsel=info.local_tsel, remote_tsel=info.remote_tsel,
         local_ssel=info.local_ssel, remote_ssel=info.remote_ssel,
         local_psel=info.local_psel, remote_psel=info.remote_psel,
         local_ap_title=info.local_ap_title,
         local_ae_qualifier=info.local_ae_qualifier,
         remote_ap_title=info.remote_ap_title,
         remote_ae_qualifier=info.remote_ae_qualifier)

    # private attributes of hat's connection objects; only read, best effort
    try:
        acse_conn = conn._conn
        copp_conn = acse_conn._conn
        aarq = ORIG['acse'](copp_conn.conn_req_user_data[1])
        body = aarq[1]
        emit('AARQ',
             application_context=body.get('application-context-name'),
             calling_ap_title=_form2(body.get('calling-AP-title')),
             calling_ae_qualifier=_form2(body.get('calling-AE-qualifier')),
             called_ap_title=_form2(body.get('called-AP-title')),
             called_ae_qualifier=_form2(body.get('called-AE-qualifier')),
             mechanism_name=body.get('mechanism-name'),
             has_authentication_value='calling-authentication-value'
             in body,
             fields=','.join(body.keys()))

        syntax, entity = acse_conn.conn_req_user_data
        pdu = ORIG['mms'](entity)
        name, fields = common.initiate_tokens(pdu)
        emit('INITIATE_REQUEST', syntax=syntax, pdu=name, **fields)

    except Exception as e:
        emit('ERROR', f'cannot_report_association:{type(e).__name__}')


def _form2(value):
    if value is None:
        return None
    return value[1]


def close_tokens(conn):
    """Which PDU hat chose to send at each layer when it closed."""
    def name(pdu):
        if pdu is None:
            return None
        if hasattr(pdu, 'type'):   # cosp Spdu (a NamedTuple)
            return pdu.type.name
        if isinstance(pdu, tuple):
            head = pdu[0]
            if head == 'abrt':
                return f"abrt(source={pdu[1].get('abort-source')})"
            return head
        return str(pdu)

    out = {}
    try:
        acse_conn = conn._conn
        copp_conn = acse_conn._conn
        cosp_conn = copp_conn._conn
        out['mms'] = name(conn._close_pdu)
        out['acse'] = name(acse_conn._close_apdu)
        out['copp'] = name(copp_conn._close_ppdu)
        out['session'] = name(cosp_conn._close_spdu)
    except Exception as e:
        out['introspection'] = type(e).__name__
    return out


async def on_request(conn, req):
    kind = type(req).__name__
    emit('REQUEST', kind)
    if isinstance(req, mms.IdentifyRequest):
        return mms.IdentifyResponse(vendor='hat-drivers',
                                    model='osi-mms-interop-peer',
                                    revision='1',
                                    syntaxes=None)
    if isinstance(req, mms.StatusRequest):
        return mms.StatusResponse(logical=0, physical=0)
    if isinstance(req, mms.GetNameListRequest):
        return mms.GetNameListResponse(identifiers=['peer'],
                                       more_follows=False)
    return mms.ServiceError.OTHER


async def on_unconfirmed(conn, unconfirmed):
    emit('UNCONFIRMED', type(unconfirmed).__name__)


async def main(args):
    closed = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def watch(conn):
        await conn.wait_closed()
        emit('CLOSED', **close_tokens(conn))
        closed.set()

    async def on_connection(conn):
        report_association(conn)
        loop.create_task(watch(conn))
        if args.close_after is not None:
            async def close_later():
                await asyncio.sleep(args.close_after)
                emit('CLOSING')
                await conn.async_close()
            loop.create_task(close_later())

    srv = await mms.listen(on_connection,
                           net.TcpAddress(args.host, args.port),
                           request_cb=on_request,
                           unconfirmed_cb=on_unconfirmed)
    emit('READY', srv.info.addresses[0].port)

    try:
        await asyncio.wait_for(closed.wait(), args.timeout)
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
    parser.add_argument('--close-after', type=float, default=None,
                        help='server closes the association after S seconds '
                             '(hat sends conclude-Request, then ABRT in FN)')
    args = parser.parse_args()
    args.timeout = min(args.timeout, 30.0)
    install_taps()
    try:
        code = asyncio.run(main(args))
    except Exception as e:
        emit('ERROR', str(e).replace('\n', ' ') or type(e).__name__)
        code = 1
    common.finish(code)
