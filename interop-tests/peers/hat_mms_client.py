"""hat-drivers MMS client used as an independent peer by osi-mms interop-tests.

Usage: hat_mms_client.py HOST PORT [options]

Connects with hat.drivers.mms.connect (localDetailCalling 65000 unless
--local-detail-calling=none), sends the requested confirmed services, then
closes with conn.async_close(). Prints (see common.py for the format):

    ASSOCIATED key=value ...          selectors, AP-titles, AE-qualifiers
    INITIATE_RESPONSE key=value ...   the MMS initiate-ResponsePDU fields
    RESPONSE <request> <kind> ...     one line per --request
    CLOSED mms=.. acse=.. copp=.. session=..  (what hat sent while closing)
    ERROR <text>                      any exception; exit code 1

Every step is bounded by --timeout (default 10 s); the script always ends
with os._exit.
"""

import argparse
import asyncio

from hat.drivers import mms
from hat.drivers import net
from hat.drivers.mms import connection as mms_connection

import common
from common import emit


def request_for(name):
    """Map a --request word to a hat request object."""
    if name == 'identify':
        return mms.IdentifyRequest()
    if name == 'status':
        return mms.StatusRequest()
    if name == 'domains':
        return mms.GetNameListRequest(object_class=mms.ObjectClass.DOMAIN,
                                      object_scope=mms.VmdSpecificObjectScope(),
                                      continue_after=None)
    raise ValueError(f'unknown request {name}')


def close_tokens(conn):
    """Which PDU hat chose to send at each layer when it closed."""
    def name(pdu):
        if pdu is None:
            return None
        if hasattr(pdu, 'type'):   # cosp Spdu (a NamedTuple)
            return pdu.type.name
        if isinstance(pdu, tuple):
            if pdu[0] == 'abrt':
                return f"abrt(source={pdu[1].get('abort-source')})"
            return pdu[0]
        return str(pdu)

    out = {}
    try:
        acse_conn = conn._conn
        copp_conn = acse_conn._conn
        out['mms'] = name(conn._close_pdu)
        out['acse'] = name(acse_conn._close_apdu)
        out['copp'] = name(copp_conn._close_ppdu)
        out['session'] = name(copp_conn._conn._close_spdu)
    except Exception as e:
        out['introspection'] = type(e).__name__
    return out


async def main(args):
    kwargs = {}
    if args.local_ap_title:
        kwargs['local_ap_title'] = common.oid_arg(args.local_ap_title)
    if args.remote_ap_title:
        kwargs['remote_ap_title'] = common.oid_arg(args.remote_ap_title)
    if args.local_ae_qualifier is not None:
        kwargs['local_ae_qualifier'] = args.local_ae_qualifier
    if args.remote_ae_qualifier is not None:
        kwargs['remote_ae_qualifier'] = args.remote_ae_qualifier
    for sel in ('local_tsel', 'remote_tsel', 'local_ssel', 'remote_ssel',
                'local_psel', 'remote_psel'):
        if getattr(args, sel) is not None:
            kwargs[sel] = getattr(args, sel)

    ldc = None if args.local_detail_calling == 'none' \
        else int(args.local_detail_calling)

    conn = await asyncio.wait_for(
        mms.connect(net.TcpAddress(args.host, args.port),
                    local_detail_calling=ldc, **kwargs),
        args.timeout)

    info = conn.info
    emit('ASSOCIATED',
         local_port=info.local_addr.port,
         local_tsel=info.local_tsel, remote_tsel=info.remote_tsel,
         local_ssel=info.local_ssel, remote_ssel=info.remote_ssel,
         local_psel=info.local_psel, remote_psel=info.remote_psel,
         local_ap_title=info.local_ap_title,
         local_ae_qualifier=info.local_ae_qualifier,
         remote_ap_title=info.remote_ap_title,
         remote_ae_qualifier=info.remote_ae_qualifier)

    try:
        syntax, entity = conn._conn.conn_res_user_data
        name, fields = common.initiate_tokens(mms_connection._decode(entity))
        emit('INITIATE_RESPONSE', syntax=syntax, pdu=name, **fields)
    except Exception as e:
        emit('ERROR', f'cannot_report_initiate:{type(e).__name__}')

    for req_name in args.request:
        res = await asyncio.wait_for(conn.send_confirmed(request_for(req_name)),
                                     args.timeout)
        emit('RESPONSE', req_name, type(res).__name__,
             detail=repr(res).replace(' ', ''))

    if args.hold:
        # stay associated until the peer closes or the hold time ends
        try:
            await asyncio.wait_for(conn.wait_closing(), args.hold)
            emit('PEER_CLOSED')
        except asyncio.TimeoutError:
            pass

    await asyncio.wait_for(conn.async_close(), args.timeout)
    emit('CLOSED', **close_tokens(conn))
    return 0


if __name__ == '__main__':
    common.setup_logging()
    parser = argparse.ArgumentParser()
    parser.add_argument('host')
    parser.add_argument('port', type=int)
    parser.add_argument('--timeout', type=float, default=10.0)
    parser.add_argument('--local-detail-calling', default='65000',
                        help='integer, or "none" to omit it (hat default)')
    parser.add_argument('--request', action='append', default=[],
                        choices=['identify', 'status', 'domains'])
    parser.add_argument('--hold', type=float, default=0.0,
                        help='seconds to stay associated before closing')
    parser.add_argument('--local-ap-title')
    parser.add_argument('--remote-ap-title')
    parser.add_argument('--local-ae-qualifier', type=int)
    parser.add_argument('--remote-ae-qualifier', type=int)
    for sel in ('tsel', 'ssel', 'psel'):
        parser.add_argument(f'--local-{sel}', type=int)
        parser.add_argument(f'--remote-{sel}', type=int)
    args = parser.parse_args()
    args.timeout = min(args.timeout, 30.0)
    args.hold = min(args.hold, 30.0)
    try:
        code = asyncio.run(main(args))
    except Exception as e:
        text = str(e).replace('\n', ' ') or type(e).__name__
        emit('ERROR', f'{type(e).__name__}: {text}')
        code = 1
    common.finish(code)
