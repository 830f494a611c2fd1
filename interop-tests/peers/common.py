"""Helpers shared by the Python peer scripts of osi-mms interop-tests (hat-drivers, slixmpp).

Output protocol (stdout, one event per line, flushed at once):

    KEYWORD token token ...

Tokens are either bare words or ``key=value`` pairs; values never contain
spaces (``-`` means "absent"). The Rust side (``interop_tests::peer``) reads
these lines; nothing else is printed on stdout. hat's own log goes to stderr.
"""

import logging
import os
import ssl
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


# --- MMS values and types as compact JSON (model server / session client) ---
#
# Data and TypeDescription values are rendered as one-key JSON objects whose
# key is the ISO 9506-2 CHOICE alternative name, e.g. {"floating-point":1.5},
# {"integer":-42}, {"boolean":true}, {"visible-string":"hello"},
# {"bit-string":"0100"} (bit 0 first), {"structure":[...]}; a DataAccessError
# is {"error":"object-non-existent"}. Types: {"integer":32},
# {"floating-point":[32,8]} (format width, exponent width), {"boolean":null},
# {"structure":[["name",TYPE],...]}. Spaces inside strings are written as
# \u0020 so that a token never contains a space.

import datetime as _dt
import json as _json


def jtok(value):
    """One space-free token holding ``value`` as compact JSON."""
    text = _json.dumps(value, separators=(',', ':'), ensure_ascii=True)
    return text.replace(' ', '\\u0020')


def _kebab(enum_member):
    return enum_member.name.lower().replace('_', '-')


def data_to_json(data):
    """hat ``mms.Data`` (or ``mms.DataAccessError``) -> tagged JSON value."""
    from hat.drivers import mms
    if isinstance(data, mms.DataAccessError):
        return {'error': _kebab(data)}
    if isinstance(data, mms.ArrayData):
        return {'array': [data_to_json(i) for i in data.elements]}
    if isinstance(data, mms.StructureData):
        return {'structure': [data_to_json(i) for i in data.elements]}
    if isinstance(data, mms.BooleanData):
        return {'boolean': bool(data.value)}
    if isinstance(data, mms.BitStringData):
        return {'bit-string': ''.join('1' if b else '0' for b in data.value)}
    if isinstance(data, mms.IntegerData):
        return {'integer': data.value}
    if isinstance(data, mms.UnsignedData):
        return {'unsigned': data.value}
    if isinstance(data, mms.FloatingPointData):
        return {'floating-point': data.value}
    if isinstance(data, mms.OctetStringData):
        return {'octet-string': bytes(data.value).hex()}
    if isinstance(data, mms.VisibleStringData):
        return {'visible-string': data.value}
    if isinstance(data, mms.MmsStringData):
        return {'mms-string': data.value}
    if isinstance(data, mms.UtcTimeData):
        return {'utc-time': data.value.astimezone(_dt.timezone.utc)
                .strftime('%Y-%m-%dT%H:%M:%S.%fZ')}
    if isinstance(data, mms.BinaryTimeData):
        return {'binary-time': data.value.isoformat()}
    if isinstance(data, mms.GeneralizedTimeData):
        return {'generalized-time': data.value}
    if isinstance(data, mms.BcdData):
        return {'bcd': data.value}
    if isinstance(data, mms.ObjIdData):
        return {'objId': '.'.join(str(i) for i in data.value)}
    if isinstance(data, mms.BooleanArrayData):
        return {'booleanArray': ''.join('1' if b else '0' for b in data.value)}
    return {'unknown': type(data).__name__}


def data_from_json(value):
    """Tagged JSON value (as printed by :func:`data_to_json`) -> hat Data."""
    from hat.drivers import mms
    if not isinstance(value, dict) or len(value) != 1:
        raise ValueError(f'not a tagged MMS value: {value!r}')
    (kind, v), = value.items()
    if kind == 'boolean':
        return mms.BooleanData(bool(v))
    if kind == 'integer':
        return mms.IntegerData(int(v))
    if kind == 'unsigned':
        return mms.UnsignedData(int(v))
    if kind == 'floating-point':
        return mms.FloatingPointData(float(v))
    if kind == 'visible-string':
        return mms.VisibleStringData(str(v))
    if kind == 'mms-string':
        return mms.MmsStringData(str(v))
    if kind == 'octet-string':
        return mms.OctetStringData(bytes.fromhex(v))
    if kind == 'bit-string':
        return mms.BitStringData([c == '1' for c in v])
    if kind == 'structure':
        return mms.StructureData([data_from_json(i) for i in v])
    if kind == 'array':
        return mms.ArrayData([data_from_json(i) for i in v])
    if kind == 'utc-time':
        t = _dt.datetime.strptime(v, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
            tzinfo=_dt.timezone.utc)
        return mms.UtcTimeData(value=t, leap_second=False,
                               clock_failure=False, not_synchronized=False,
                               accuracy=10)
    raise ValueError(f'unsupported MMS value kind {kind!r}')


def type_to_json(t):
    """hat ``mms.TypeDescription`` -> tagged JSON value."""
    from hat.drivers import mms
    if isinstance(t, mms.StructureTypeDescription):
        return {'structure': [[name, type_to_json(c)]
                              for name, c in t.components]}
    if isinstance(t, mms.ArrayTypeDescription):
        return {'array': [t.number_of_elements, type_to_json(t.element_type)]}
    if isinstance(t, mms.FloatingPointTypeDescription):
        return {'floating-point': [t.format_width, t.exponent_width]}
    if isinstance(t, (mms.BooleanTypeDescription, mms.UtcTimeTypeDescription,
                      mms.GeneralizedTimeTypeDescription,
                      mms.ObjIdTypeDescription)):
        return {_type_name(t): None}
    if hasattr(t, 'xyz'):
        return {_type_name(t): t.xyz}
    if isinstance(t, tuple) and hasattr(t, 'item_id'):
        return {'typeName': f'{t.domain_id}/{t.item_id}'}
    return {'unknown': type(t).__name__}


def _type_name(t):
    return {
        'BooleanTypeDescription': 'boolean',
        'UtcTimeTypeDescription': 'utc-time',
        'GeneralizedTimeTypeDescription': 'generalized-time',
        'ObjIdTypeDescription': 'objId',
        'BitStringTypeDescription': 'bit-string',
        'IntegerTypeDescription': 'integer',
        'UnsignedTypeDescription': 'unsigned',
        'OctetStringTypeDescription': 'octet-string',
        'VisibleStringTypeDescription': 'visible-string',
        'MmsStringTypeDescription': 'mms-string',
        'BcdTypeDescription': 'bcd',
        'BinaryTimeTypeDescription': 'binary-time',
    }.get(type(t).__name__, type(t).__name__)


def object_name_str(name):
    """hat ObjectName -> ``domain/item``, ``vmd:item`` or ``aa:item``."""
    from hat.drivers import mms
    if isinstance(name, mms.DomainSpecificObjectName):
        return f'{name.domain_id}/{name.item_id}'
    if isinstance(name, mms.VmdSpecificObjectName):
        return f'vmd:{name.identifier}'
    if isinstance(name, mms.AaSpecificObjectName):
        return f'aa:{name.identifier}'
    return repr(name).replace(' ', '')


def object_name_arg(text):
    """``domain/item`` -> DomainSpecificObjectName; ``vmd:x`` / ``aa:x``."""
    from hat.drivers import mms
    if text.startswith('vmd:'):
        return mms.VmdSpecificObjectName(text[4:])
    if text.startswith('aa:'):
        return mms.AaSpecificObjectName(text[3:])
    domain, sep, item = text.partition('/')
    if not sep:
        raise ValueError(f'expected DOMAIN/ITEM, got {text!r}')
    return mms.DomainSpecificObjectName(domain, item)


def spec_names(specification):
    """Variable access specification -> list of printable names."""
    from hat.drivers import mms
    if isinstance(specification, (mms.DomainSpecificObjectName,
                                  mms.VmdSpecificObjectName,
                                  mms.AaSpecificObjectName)):
        return ['list:' + object_name_str(specification)]
    out = []
    for spec in specification:
        if isinstance(spec, mms.NameVariableSpecification):
            out.append(object_name_str(spec.name))
        else:
            out.append(type(spec).__name__)
    return out


def xmpp_starttls_only(client, cafile):
    """Makes a slixmpp client use STARTTLS and nothing else (no direct TLS, no plaintext),
    trusting only the CA in ``cafile`` (no system store) and checking the host name."""
    client.ssl_context = ssl.create_default_context(cafile=cafile)
    client.ssl_context.check_hostname = True
    client.ssl_context.verify_mode = ssl.CERT_REQUIRED
    client.enable_direct_tls = False
    client.enable_starttls = True
    client.enable_plaintext = False
