//! `a-sec-profile`: the IEC 62351-4:2018+AMD1:2020 clause 11 A-security-profile
//! (compatibility mode): certificate-based MMS authentication values in ACSE.
#![forbid(unsafe_code)]
