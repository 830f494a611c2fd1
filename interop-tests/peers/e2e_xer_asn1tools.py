"""The SecPDU XML cross-check with asn1tools (PyPI), an ASN.1 implementation nobody here wrote.

asn1tools compiles the E2E-Working module (e2e-sec/asn1/e2e-working.asn; its path is the first
argument). For every line `name ber-hex xml-hex` on stdin (a SecPDU's BER encoding and our XML
encoding of it, as UTF-8 octets in hex), it prints one line:

  OK name their-xer-hex      asn1tools decoded our XML to the value it decodes our BER to;
                             their-xer-hex is asn1tools's own XER of that value
  NOBER name reason          asn1tools cannot decode the BER
  MISMATCH name detail       our XML decodes to another value than our BER
  XERFAIL name reason        asn1tools refused our XML

What asn1tools does not do, and how the XML is adapted before it sees it (e2e-sec/ASSUMPTIONS.md
XS-12): it knows no namespaces, so the root's xmlns attribute is removed; it decodes the value of
the type SecPDU, whose XER root is `<SecPDU>` around the alternative, so our root (the
alternative) is wrapped in `<SecPDU>`. The Rust side undoes both on asn1tools's XER. ANY (the
PrPDU in applData, AlgorithmIdentifier parameters) is left out of the compared PDUs.
"""
import sys

import asn1tools

NS = " xmlns='http://www.iec.ch/62351/2018/E2E_4'"


def main():
    module = sys.argv[1]
    ber = asn1tools.compile_files(module, 'ber')
    xer = asn1tools.compile_files(module, 'xer')
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 3:
            continue
        name, ber_hex, xml_hex = parts
        try:
            want = ber.decode('SecPDU', bytes.fromhex(ber_hex))
        except Exception as e:  # noqa: BLE001 - any asn1tools failure is reported
            print('NOBER', name, repr(str(e)).replace(' ', '_'), flush=True)
            continue
        ours = bytes.fromhex(xml_hex).decode('utf-8').replace(NS, '', 1)
        try:
            got = xer.decode('SecPDU', ('<SecPDU>' + ours + '</SecPDU>').encode('utf-8'))
        except Exception as e:  # noqa: BLE001
            print('XERFAIL', name, repr(str(e)).replace(' ', '_'), flush=True)
            continue
        if got != want:
            detail = repr((got, want)).replace(' ', '_')
            print('MISMATCH', name, detail, flush=True)
            continue
        theirs = xer.encode('SecPDU', want)
        print('OK', name, theirs.hex(), flush=True)


if __name__ == '__main__':
    main()
