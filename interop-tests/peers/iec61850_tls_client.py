"""PyPI `iec61850` client over TLS (its rustls stack) for osi-mms interop-tests.

Usage: iec61850_tls_client.py HOST PORT --ca PEM --cert PEM --key PEM
       [--server-name NAME] [--version tls1.2|tls1.3] [--read REF:FC]...
       [--timeout S]

``IedConnection.connect_tls`` with ``TlsConfig(ca_pem, client_cert_pem,
client_key_pem)`` (mutual authentication; chain, time and host-name checks on),
then the server directory and the reads. Lines:

    CONNECTED addr=HOST:PORT
    SERVER_DIRECTORY lds=A,B
    READ ref=REF fc=FC value=JSON
    STEP_ERROR step=.. error=..
    DONE | ERROR <Type>: <text>
"""

import argparse
import asyncio

import iec61850

import common
from common import emit, jtok
from iec61850_client import err_tok, plain, ref_fc


def read(path):
    with open(path, 'rb') as f:
        return f.read()


async def main(args):
    kw = {}
    if args.version:
        v = iec61850.TlsVersion(args.version)
        kw = {'min_version': v, 'max_version': v}
    tls = iec61850.TlsConfig(ca_pem=read(args.ca), client_cert_pem=read(args.cert),
                             client_key_pem=read(args.key), **kw)
    addr = f'{args.host}:{args.port}'
    conn = await iec61850.IedConnection.connect_tls(
        addr, tls, args.server_name, timeout_ms=int(args.timeout * 1000),
        request_timeout_ms=int(args.timeout * 1000))
    emit('CONNECTED', addr=addr)
    try:
        lds = await asyncio.wait_for(conn.get_server_directory(), args.timeout)
        emit('SERVER_DIRECTORY', lds=','.join(lds) or None)
    except Exception as e:
        emit('STEP_ERROR', step='server_directory', error=err_tok(e))
    for text in args.read:
        ref, fc = ref_fc(text)
        try:
            value = await asyncio.wait_for(conn.read(ref, fc), args.timeout)
            emit('READ', ref=ref, fc=fc.value, value=jtok(plain(value)))
        except Exception as e:
            emit('STEP_ERROR', step='read', ref=ref, error=err_tok(e))
    try:
        await asyncio.wait_for(conn.disconnect(), args.timeout)
    except Exception as e:
        emit('STEP_ERROR', step='disconnect', error=err_tok(e))
    emit('DONE')
    return 0


if __name__ == '__main__':
    common.setup_logging()
    parser = argparse.ArgumentParser()
    parser.add_argument('host')
    parser.add_argument('port', type=int)
    parser.add_argument('--ca', required=True)
    parser.add_argument('--cert', required=True)
    parser.add_argument('--key', required=True)
    parser.add_argument('--server-name', default='localhost')
    parser.add_argument('--version', choices=['tls1.2', 'tls1.3'])
    parser.add_argument('--read', action='append', default=[], metavar='REF:FC')
    parser.add_argument('--timeout', type=float, default=10.0)
    args = parser.parse_args()
    args.timeout = min(args.timeout, 30.0)
    try:
        code = asyncio.run(main(args))
    except Exception as e:
        text = str(e).replace('\n', ' ') or type(e).__name__
        emit('ERROR', f'{type(e).__name__}: {text}')
        code = 1
    common.finish(code)
