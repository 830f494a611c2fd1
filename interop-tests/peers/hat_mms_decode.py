"""Decode MMS PDUs with hat-drivers' own ASN.1 definitions and BER codec.

Usage: hat_mms_decode.py HEX [HEX ...]

For every argument prints one line:

    DECODED <pdu-name> reencoded=<same|differs> rest=<n> key=value ...

or ``ERROR <text>`` (exit code 1 if any argument failed). ``reencoded=same``
means hat encodes the decoded value back to exactly the input octets.
Uses only hat's public ASN.1 API (hat.asn1, hat.json) and the MMS module
definition shipped inside hat.drivers.mms (asn1_repo.json).
"""

import importlib.resources
import sys

from hat import asn1
from hat import json

import common
from common import emit


def load_encoder():
    path = importlib.resources.files('hat.drivers.mms') / 'asn1_repo.json'
    with path.open('r', encoding='utf-8') as f:
        repo = asn1.repository_from_json(json.decode_stream(f))
    return asn1.ber.BerEncoder(repo)


def main(hex_args):
    encoder = load_encoder()
    mms_pdu = asn1.TypeRef('ISO-9506-MMS-1', 'MMSpdu')
    failed = False
    for text in hex_args:
        try:
            data = bytes.fromhex(text)
            value, rest = encoder.decode(mms_pdu, data)
            again = bytes(encoder.encode(mms_pdu, value))
            name, body = value
            fields = {}
            if isinstance(body, dict):
                _, fields = common.initiate_tokens(value)
            emit('DECODED', name,
                 reencoded=('same' if again == data[:len(data) - len(rest)]
                            else 'differs'),
                 rest=len(rest), **fields)
        except Exception as e:
            failed = True
            emit('ERROR', f'{type(e).__name__}:' +
                 (str(e).replace(' ', '_') or '-'))
    return 1 if failed else 0


if __name__ == '__main__':
    common.finish(main(sys.argv[1:]))
