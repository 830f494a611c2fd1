"""Helpers shared by the hat-drivers peer scripts of osi-mms interop-tests.

Output protocol (stdout, one event per line, flushed at once):

    KEYWORD token token ...

Tokens are either bare words or ``key=value`` pairs; values never contain
spaces (``-`` means "absent"). The Rust side (``interop_tests::peer``) reads
these lines; nothing else is printed on stdout. hat's own log goes to stderr.
"""

import logging
import os
import sys


def emit(keyword, *tokens, **pairs):
    """Print one event line on stdout and flush it."""
    parts = [keyword]
    parts.extend(str(t) for t in tokens)
    parts.extend(f'{k}={fmt(v)}' for k, v in pairs.items())
    sys.stdout.write(' '.join(parts) + '\n')
    sys.stdout.flush()


def fmt(value):
    """Render a decoded ASN.1 value as one space-free token."""
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)) and all(isinstance(v, bool)
                                                for v in value):
        # BIT STRING as hat decodes it: list of booleans, bit 0 first
        return ''.join('1' if v else '0' for v in value) or '-'
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        # OBJECT IDENTIFIER
        return '.'.join(str(v) for v in value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex() or '-'
    return str(value).replace(' ', '_')


def setup_logging():
    """hat logs to stderr only, so stdout stays machine readable."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format='hat %(levelname)s %(name)s: %(message)s')


def oid_arg(text):
    """Parse a dotted OID command-line argument (``1.1.999.1``)."""
    return tuple(int(i) for i in text.split('.'))


def initiate_tokens(pdu):
    """Flatten a decoded initiate-Request/ResponsePDU into key=value pairs."""
    name, body = pdu
    out = {}
    for key, value in body.items():
        if isinstance(value, dict):
            out.update(value)
        else:
            out[key] = value
    return name, out


def finish(code):
    """Exit without running interpreter shutdown (asyncio teardown in hat can
    print spurious errors or hang while the loop is closing)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
