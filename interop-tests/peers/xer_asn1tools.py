"""The XER cross-check with asn1tools (PyPI), an ASN.1 implementation nobody here wrote.

asn1tools compiles hat-drivers' MMS ASN.1 module (written out as ASN.1 text by
hat_asn1_text.py). For every line `name ber-hex xer-hex` on stdin (a PDU's BER encoding and our
XER encoding of it, as UTF-8 octets in hex), it prints one line:

  OK name their-xer-hex      asn1tools decoded our XER to the value it decodes our BER to;
                             their-xer-hex is asn1tools's own XER of that value
  NOBER name reason          asn1tools cannot decode the BER with hat's module (a place where
                             hat's module differs from ISO 9506-2 as this crate reads it)
  MISMATCH name detail       our XER decodes to another value than our BER
  XERFAIL name reason        asn1tools refused our XER

One deviation of asn1tools from X.680/X.693 is corrected before use: the items of a SEQUENCE OF
whose component is a recursive reference to a CHOICE type (`array`/`structure` of Data) are
written by asn1tools inside an element named by the type (`<Data>`); X.680's XMLValueList for
CHOICE components writes the chosen alternative's element alone, as asn1tools itself does for
non-recursive CHOICE components. The patch makes the recursive case behave as the other one.
"""
import sys

import asn1tools
from asn1tools.codecs import xer as asn1tools_xer

import hat_asn1_text


def _patch_recursive_choice_items():
    rec = asn1tools_xer.Recursive

    def encode_of(self, data):
        return self._inner.encode_of(data)

    def decode_of(self, element):
        return self._inner.decode_of(element)

    rec.encode_of = encode_of
    rec.decode_of = decode_of


def main():
    _patch_recursive_choice_items()
    text = hat_asn1_text.module_text()
    ber = asn1tools.compile_string(text, 'ber')
    xer = asn1tools.compile_string(text, 'xer')
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 3:
            continue
        name, ber_hex, xer_hex = parts
        try:
            want = ber.decode('MMSpdu', bytes.fromhex(ber_hex))
        except Exception as e:  # noqa: BLE001 - any asn1tools failure is reported
            print('NOBER', name, repr(str(e)).replace(' ', '_'), flush=True)
            continue
        try:
            got = xer.decode('MMSpdu', bytes.fromhex(xer_hex))
        except Exception as e:  # noqa: BLE001
            print('XERFAIL', name, repr(str(e)).replace(' ', '_'), flush=True)
            continue
        if got != want:
            detail = f'{got!r}!={want!r}'.replace(' ', '')
            print('MISMATCH', name, detail, flush=True)
            continue
        theirs = xer.encode('MMSpdu', want)
        print('OK', name, theirs.hex(), flush=True)


if __name__ == '__main__':
    main()
