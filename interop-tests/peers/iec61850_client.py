"""PyPI `iec61850` client running a scripted session (osi-mms interop-tests).

Usage: iec61850_client.py HOST PORT [--ld LD] [--spec REF:FC]...
       [--read REF:FC]... [--write REF:FC=JSON]... [--no-directory]
       [--device-model] [--close disconnect|abort] [--timeout S]

REF is an IEC 61850 reference ``LD/LN.DO.DA`` (LD = IED name + LD inst, e.g.
``PEERLD0/GGIO1.AnIn1.mag.f``), FC a functional constraint (ST, MX, SP, ...);
the client maps them to the MMS item ``LN$FC$DO$DA`` in domain LD. JSON is a
plain JSON value (99, 2.5, true, "text"). Steps, in order, one line each:

    CONNECTED addr=HOST:PORT                     IedConnection.connect
    SERVER_DIRECTORY lds=A,B                     get_server_directory (getNameList
                                                 of domains)
    LD_DIRECTORY ld=LD lns=LLN0,GGIO1            get_logical_device_directory
                                                 (--ld, default the first LD)
    DEVICE_MODEL ld=LD count=N variables=a,b     get_device_model (--device-model)
    VARIABLE_SPEC ref=REF fc=FC spec=JSON        get_variable_specification (GVAA)
    READ ref=REF fc=FC value=JSON                read (bytes print as {"bytes":hex})
    WRITE ref=REF fc=FC value=JSON result=ok     write
    STEP_ERROR step=.. ref=.. error=<Type>:<text>  a step failed (the session goes on)
    CLOSED how=disconnect|abort                  disconnect() (conclude) or abort()
    DONE
    ERROR <Type>: <text>                         connect failed / fatal; exit 1

Always ends with os._exit: the library's native client can crash while the
interpreter shuts down after the work is done.
"""

import argparse
import asyncio
import json

import iec61850

import common
from common import emit, jtok


def ref_fc(text):
    ref, sep, fc = text.rpartition(':')
    if not sep:
        raise ValueError(f'expected REF:FC, got {text!r}')
    return ref, iec61850.FC(fc)


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


def value_tok(value):
    return jtok(plain(value))


def err_tok(e):
    text = str(e).replace('\n', ' ') or type(e).__name__
    return f'{type(e).__name__}:{text}'.replace(' ', '_')


async def main(args):
    addr = f'{args.host}:{args.port}'
    conn = await iec61850.IedConnection.connect(
        addr, timeout_ms=int(args.timeout * 1000),
        request_timeout_ms=int(args.timeout * 1000))
    emit('CONNECTED', addr=addr)

    async def step(name, coro, **tokens):
        try:
            return True, await asyncio.wait_for(coro, args.timeout)
        except Exception as e:
            emit('STEP_ERROR', step=name, **tokens, error=err_tok(e))
            return False, None

    ld = args.ld
    if not args.no_directory:
        ok, lds = await step('server_directory', conn.get_server_directory())
        if ok:
            emit('SERVER_DIRECTORY', lds=','.join(lds) or None)
            if ld is None and lds:
                ld = lds[0]
        if ld is not None:
            ok, lns = await step('ld_directory',
                                 conn.get_logical_device_directory(ld), ld=ld)
            if ok:
                emit('LD_DIRECTORY', ld=ld, lns=','.join(lns) or None)

    if args.device_model:
        ok, model = await step('device_model', conn.get_device_model())
        if ok:
            for dev in model.get('logical_devices', []):
                names = dev.get('variables', [])
                emit('DEVICE_MODEL', ld=dev.get('name'), count=len(names),
                     variables=','.join(names) or None)

    for text in args.spec:
        ref, fc = ref_fc(text)
        ok, spec = await step('variable_spec',
                              conn.get_variable_specification(ref, fc),
                              ref=ref, fc=fc.value)
        if ok:
            emit('VARIABLE_SPEC', ref=ref, fc=fc.value, spec=jtok(spec))

    for text in args.read:
        ref, fc = ref_fc(text)
        ok, value = await step('read', conn.read(ref, fc), ref=ref,
                               fc=fc.value)
        if ok:
            emit('READ', ref=ref, fc=fc.value, value=value_tok(value))

    for text in args.write:
        target, _, value_text = text.partition('=')
        ref, fc = ref_fc(target)
        value = json.loads(value_text)
        ok, _ = await step('write', conn.write(ref, fc, value), ref=ref,
                           fc=fc.value, value=jtok(value))
        if ok:
            emit('WRITE', ref=ref, fc=fc.value, value=jtok(value), result='ok')

    if args.close == 'abort':
        await step('abort', conn.abort())
    else:
        await step('disconnect', conn.disconnect())
    emit('CLOSED', how=args.close)
    emit('DONE')
    return 0


if __name__ == '__main__':
    common.setup_logging()
    parser = argparse.ArgumentParser()
    parser.add_argument('host')
    parser.add_argument('port', type=int)
    parser.add_argument('--timeout', type=float, default=10.0)
    parser.add_argument('--ld', help='logical device for LD_DIRECTORY '
                                     '(default: the first one)')
    parser.add_argument('--no-directory', action='store_true')
    parser.add_argument('--device-model', action='store_true')
    parser.add_argument('--spec', action='append', default=[],
                        metavar='REF:FC')
    parser.add_argument('--read', action='append', default=[],
                        metavar='REF:FC')
    parser.add_argument('--write', action='append', default=[],
                        metavar='REF:FC=JSON')
    parser.add_argument('--close', default='disconnect',
                        choices=['disconnect', 'abort'])
    args = parser.parse_args()
    args.timeout = min(args.timeout, 30.0)
    try:
        code = asyncio.run(main(args))
    except Exception as e:
        text = str(e).replace('\n', ' ') or type(e).__name__
        emit('ERROR', f'{type(e).__name__}: {text}')
        code = 1
    common.finish(code)
