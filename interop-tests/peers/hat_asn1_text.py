"""Writes hat-drivers' MMS ASN.1 repository (its package data `asn1_repo.json`, the ISO 9506
modules as hat-asn1 compiled them) back as ASN.1 text that asn1tools can compile.

The repository is read from the installed hat-drivers package at run time; nothing of it is kept
in this repository (hat-drivers is Apache-2.0). All modules are flattened into one module
(type names do not collide) with every tag written with its IMPLICIT/EXPLICIT mode.
"""
import json
import pathlib

import hat.drivers.mms as hat_mms

CLASSES = {'CONTEXT_SPECIFIC': '', 'APPLICATION': 'APPLICATION ',
           'PRIVATE': 'PRIVATE ', 'UNIVERSAL': 'UNIVERSAL '}


def _type(t):
    kind = t[0]
    if kind == 'TypeRef':
        return t[2]
    if kind == 'PrefixedType':
        mode = 'IMPLICIT' if t[4] else 'EXPLICIT'
        return f'[{CLASSES[t[2]]}{t[3]}] {mode} {_type(t[1])}'
    if kind == 'ChoiceType':
        return 'CHOICE {\n' + ',\n'.join(
            f'  {name} {_type(ty)}' for name, ty in t[1]) + '\n}'
    if kind in ('SequenceType', 'SetType'):
        word = 'SEQUENCE' if kind == 'SequenceType' else 'SET'
        return word + ' {\n' + ',\n'.join(
            f'  {name} {_type(ty)}' + (' OPTIONAL' if opt else '')
            for name, ty, opt in t[1]) + '\n}'
    if kind in ('SequenceOfType', 'SetOfType'):
        word = 'SEQUENCE OF' if kind == 'SequenceOfType' else 'SET OF'
        return f'{word} {_type(t[1])}'
    if kind == 'EnumeratedType':
        # hat's repository keeps no enumeration identifiers; only the MMS object-model
        # classes (not PDUs) have one, so an INTEGER stands in. EMBEDDED PDV (not in a PDU we
        # encode) is written as OCTET STRING: asn1tools's parser does not know it.
        return 'INTEGER'
    if kind == 'StringType':
        return t[1]
    simple = {'IntegerType': 'INTEGER', 'BooleanType': 'BOOLEAN', 'NullType': 'NULL',
              'BitStringType': 'BIT STRING', 'OctetStringType': 'OCTET STRING',
              'ObjectIdentifierType': 'OBJECT IDENTIFIER', 'ExternalType': 'EXTERNAL',
              'EmbeddedPDVType': 'OCTET STRING', 'AnyType': 'ANY'}
    if kind in simple:
        return simple[kind]
    raise ValueError(f'unknown hat-asn1 type {kind}')


def module_text():
    """The flattened module as ASN.1 text."""
    path = pathlib.Path(hat_mms.__file__).with_name('asn1_repo.json')
    repo = json.loads(path.read_text())
    defs = [f'{ref[2]} ::= {_type(ty)}' for ref, ty in repo]
    # Types hat imports from ACSE and leaves out of its repository: the forms our encoder
    # writes (AP-title form 2, AE-qualifier form 2, X.227), and the authentication value as
    # octets (not in a PDU we encode).
    defs += ['AP-title ::= OBJECT IDENTIFIER', 'AE-qualifier ::= INTEGER',
             'AP-invocation-identifier ::= INTEGER', 'AE-invocation-identifier ::= INTEGER',
             'Authentication-value ::= OCTET STRING']
    return 'HAT-MMS DEFINITIONS ::= BEGIN\n' + '\n'.join(defs) + '\nEND\n'


if __name__ == '__main__':
    print(module_text())
