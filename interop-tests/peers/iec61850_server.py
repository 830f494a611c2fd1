"""PyPI `iec61850` server used as an independent peer by osi-mms interop-tests.

Usage: iec61850_server.py PORT [--host H] [--ied NAME] [--timeout S]
       [--associations N] [--vendor V] [--model M] [--revision R]
       [--update-after S]

PORT 0 lets the OS pick a free port. Serves the model below with
``IedServer.from_model_spec`` (IED name default ``PEER``, so the MMS domain is
``PEERLD0``; items ``LN$FC$DO$DA``):

    LLN0.Mod   stVal Enumerated=1 (ST), q Quality (ST), t Timestamp (ST)
    GGIO1.Ind1 stVal Boolean=true (ST), q Quality (ST), t Timestamp (ST)
    GGIO1.AnIn1 mag.f Float32=1.5 (MX), q Quality (MX), t Timestamp (MX)
    GGIO1.SetPt1 setVal Int32=7 (SP, writable; on_write reports it)
    GGIO1.SetPt2 setMag.f Float32=0.5 (SP, writable; on_write reports it)
    GGIO1.NamPlt vendor VisibleString="osi-mms" (DC)

Prints (stdout, one event per line):

    READY <port>
    ASSOCIATIONS active=N             whenever connection_count changes (polled
                                      every 20 ms: very short associations can
                                      be missed)
    WRITE path=LD0/GGIO1.SetPt1.setVal value=JSON   a write the server accepted
    UPDATED path=.. value=..          --update-after fired (GGIO1.AnIn1.mag.f)
    TIMEOUT / ERROR <text>

Exits 0 once --associations associations (default 1) have come and gone,
2 on timeout (default 30 s), 1 on error; always through os._exit.
"""

import argparse
import asyncio
import json

import iec61850

import common
from common import emit


def da(name, fc, type_, value=None):
    out = {'name': name, 'fc': fc, 'type': type_}
    if value is not None:
        out['value'] = value
    return out


def model_spec(ied):
    st_qt = [da('q', 'ST', 'Quality'), da('t', 'ST', 'Timestamp')]
    mx_qt = [da('q', 'MX', 'Quality'), da('t', 'MX', 'Timestamp')]
    return {
        'ied_name': ied,
        'lds': [{
            'inst': 'LD0',
            'lns': [
                {'lln0': True, 'dos': [
                    {'name': 'Mod', 'das': [
                        da('stVal', 'ST', 'Enumerated',
                           {'type': 'int', 'value': 1}), *st_qt]}]},
                {'class': 'GGIO', 'prefix': '', 'inst': '1', 'dos': [
                    {'name': 'Ind1', 'das': [
                        da('stVal', 'ST', 'Boolean',
                           {'type': 'bool', 'value': True}), *st_qt]},
                    {'name': 'AnIn1', 'das': mx_qt,
                     'constructed_das': [
                         {'name': 'mag', 'fc': 'MX', 'children': [
                             da('f', 'MX', 'Float32',
                                {'type': 'float32', 'value': 1.5})]}]},
                    {'name': 'SetPt1', 'das': [
                        da('setVal', 'SP', 'Int32',
                           {'type': 'int', 'value': 7})]},
                    {'name': 'SetPt2', 'das': [],
                     'constructed_das': [
                         {'name': 'setMag', 'fc': 'SP', 'children': [
                             da('f', 'SP', 'Float32',
                                {'type': 'float32', 'value': 0.5})]}]},
                    {'name': 'NamPlt', 'das': [
                        da('vendor', 'DC', 'VisibleString',
                           {'type': 'visible_string', 'value': 'osi-mms'})]},
                ]},
            ],
        }],
    }


WRITABLE = ['LD0/GGIO1.SetPt1.setVal', 'LD0/GGIO1.SetPt2.setMag.f']


def plain(value):
    """Library value -> JSON-able value; bytes become {"bytes": hex}."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {'bytes': bytes(value).hex()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def value_json(value):
    return common.jtok(plain(value))


async def main(args):
    server = iec61850.IedServer.from_model_spec(model_spec(args.ied))
    if args.vendor is not None:
        server.vendor = args.vendor
    if args.model is not None:
        server.model_name = args.model
    if args.revision is not None:
        server.revision = args.revision
    server.bind(f'{args.host}:{args.port}')

    def on_write(path):
        def cb(addr, value):
            emit('WRITE', path=path, value=value_json(value))
            return True
        return cb

    for path in WRITABLE:
        server.on_write(path, on_write(path))

    await server.start()
    port = int(server.bound_addr.rsplit(':', 1)[1])
    emit('READY', port)

    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout
    active = 0
    finished = 0
    updated = False
    started = loop.time()
    code = 2
    while loop.time() < deadline:
        count = server.connection_count
        if count != active:
            if count < active:
                finished += active - count
            active = count
            emit('ASSOCIATIONS', active=active)
            if active == 0 and finished >= args.associations:
                code = 0
                break
        if args.update_after is not None and not updated and \
                loop.time() - started >= args.update_after:
            server.update_float32('LD0/GGIO1.AnIn1.mag.f', 2.25)
            emit('UPDATED', path='LD0/GGIO1.AnIn1.mag.f', value='2.25')
            updated = True
        await asyncio.sleep(0.02)
    if code == 2:
        emit('TIMEOUT')
    try:
        await asyncio.wait_for(server.stop(), 5)
    except Exception:
        pass
    return code


if __name__ == '__main__':
    common.setup_logging()
    parser = argparse.ArgumentParser()
    parser.add_argument('port', type=int)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--ied', default='PEER',
                        help='IED name; the MMS domain is <IED>LD0')
    parser.add_argument('--timeout', type=float, default=30.0)
    parser.add_argument('--associations', type=int, default=1)
    parser.add_argument('--vendor')
    parser.add_argument('--model')
    parser.add_argument('--revision')
    parser.add_argument('--update-after', type=float, default=None,
                        help='set GGIO1.AnIn1.mag.f to 2.25 after S seconds')
    args = parser.parse_args()
    args.timeout = min(args.timeout, 60.0)
    try:
        code = asyncio.run(main(args))
    except Exception as e:
        text = str(e).replace('\n', ' ') or type(e).__name__
        emit('ERROR', f'{type(e).__name__}: {text}')
        code = 1
    common.finish(code)
