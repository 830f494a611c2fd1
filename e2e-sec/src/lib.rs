//! `e2e-sec`: IEC 62351-4:2018+AMD1:2020 clauses 12-15, end-to-end security (native mode)
//! and its mapping onto the OSI environment.
#![forbid(unsafe_code)]
