//! The demo model: an IEC 61850-shaped IED `DEMO` with logical device `LD0` (MMS domain
//! `DEMOLD0`, IEC 61850-8-1 §8.1.1 naming), a data set, a journal (log), ICCP (IEC 60870-6-503)
//! VMD-specific variables and a few files; [`tick`] moves its values over time.
//!
//! Logical nodes are structured named variables whose first-level components are the functional
//! constraints, in the order libIEC61850 servers lay them out (MX, ST, CO, CF, DC, SP, ...);
//! quality is a 13-bit bit string and timestamps are UtcTime (IEC 61850-8-1 §8.1.3).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::data::{Data, FloatingPoint, UtcTime};
use crate::iec61850::Quality;
use crate::types::{StructureComponent, TypeDescription};

use super::path::default_value;
use super::{Journal, Model, ModelError};

/// The domain of logical device LD0 of IED DEMO.
pub const DOMAIN: &str = "DEMOLD0";
/// The data set (named variable list) of the demo.
pub const DATA_SET: &str = "LLN0$DataSet1";
/// The demo journal (IEC 61850 log).
pub const JOURNAL: &str = "LLN0$EventLog";

fn st(components: Vec<(&str, TypeDescription<'static>)>) -> TypeDescription<'static> {
    TypeDescription::Structure {
        packed: false,
        components: components
            .into_iter()
            .map(|(n, t)| StructureComponent::named(n.to_string(), t))
            .collect(),
    }
}

fn float32() -> TypeDescription<'static> {
    TypeDescription::FloatingPoint {
        format_width: 32,
        exponent_width: 8,
    }
}

fn quality() -> TypeDescription<'static> {
    TypeDescription::BitString(13)
}

fn vstring() -> TypeDescription<'static> {
    TypeDescription::VisibleString(-255)
}

/// `stVal`, `q`, `t` of a status data object with an `stVal` of type `val`.
fn status(val: TypeDescription<'static>) -> TypeDescription<'static> {
    st(vec![
        ("stVal", val),
        ("q", quality()),
        ("t", TypeDescription::UtcTime),
    ])
}

/// The MMS type of LLN0 (ST: Mod, Beh, Health; CF: Mod.ctlModel; DC: NamPlt).
pub fn lln0_type() -> TypeDescription<'static> {
    let enum8 = || TypeDescription::Integer(8);
    st(vec![
        (
            "ST",
            st(vec![
                ("Mod", status(enum8())),
                ("Beh", status(enum8())),
                ("Health", status(enum8())),
            ]),
        ),
        ("CF", st(vec![("Mod", st(vec![("ctlModel", enum8())]))])),
        (
            "DC",
            st(vec![(
                "NamPlt",
                st(vec![
                    ("vendor", vstring()),
                    ("swRev", vstring()),
                    ("d", vstring()),
                    ("configRev", vstring()),
                    ("ldNs", vstring()),
                ]),
            )]),
        ),
    ])
}

/// The MMS type of GGIO1 (MX: AnIn1..4; ST: Ind1..4, SPCSO1; CO: SPCSO1.Oper; CF: SPCSO1
/// ctlModel; SP: AnSet1 set point).
pub fn ggio1_type() -> TypeDescription<'static> {
    let mv = || {
        st(vec![
            ("mag", st(vec![("f", float32())])),
            ("q", quality()),
            ("t", TypeDescription::UtcTime),
        ])
    };
    let oper = st(vec![
        ("ctlVal", TypeDescription::Boolean),
        (
            "origin",
            st(vec![
                ("orCat", TypeDescription::Integer(8)),
                ("orIdent", TypeDescription::OctetString(-64)),
            ]),
        ),
        ("ctlNum", TypeDescription::Unsigned(8)),
        ("T", TypeDescription::UtcTime),
        ("Test", TypeDescription::Boolean),
        ("Check", TypeDescription::BitString(-2)),
    ]);
    st(vec![
        (
            "MX",
            st(vec![
                ("AnIn1", mv()),
                ("AnIn2", mv()),
                ("AnIn3", mv()),
                ("AnIn4", mv()),
            ]),
        ),
        (
            "ST",
            st(vec![
                ("Ind1", status(TypeDescription::Boolean)),
                ("Ind2", status(TypeDescription::Boolean)),
                ("Ind3", status(TypeDescription::Boolean)),
                ("Ind4", status(TypeDescription::Boolean)),
                ("SPCSO1", status(TypeDescription::Boolean)),
            ]),
        ),
        ("CO", st(vec![("SPCSO1", st(vec![("Oper", oper)]))])),
        (
            "CF",
            st(vec![(
                "SPCSO1",
                st(vec![("ctlModel", TypeDescription::Integer(8))]),
            )]),
        ),
        (
            "SP",
            st(vec![(
                "AnSet1",
                st(vec![("setMag", st(vec![("f", float32())]))]),
            )]),
        ),
    ])
}

fn tase2_version_type() -> TypeDescription<'static> {
    st(vec![
        ("MajorVersionNumber", TypeDescription::Integer(16)),
        ("MinorVersionNumber", TypeDescription::Integer(16)),
    ])
}

/// Writes the demo files into `dir`: `readme.txt` and `COMTRADE/demo.cfg`, `COMTRADE/demo.dat`.
pub fn write_files(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("COMTRADE"))?;
    std::fs::write(
        dir.join("readme.txt"),
        "osi-mms demo file store: files served by the MMS file services (ISO 9506-1 Annex D).\n",
    )?;
    std::fs::write(
        dir.join("COMTRADE/demo.cfg"),
        "DEMO,1,1999\n2,1A,1D\n1,AnIn1,,,V,1.0,0.0,0,-32767,32767,1,1,P\n1,Ind1,,,0\n50\n1\n1000,4\n",
    )?;
    let dat: String = (1..=4)
        .map(|i| format!("{i},{},{},{}\n", (i - 1) * 1000, i * 100, i % 2))
        .collect();
    std::fs::write(dir.join("COMTRADE/demo.dat"), dat)
}

/// The demo model. With `files`, the demo files are written there and served.
pub fn model(files: Option<&Path>) -> Result<Model, ModelError> {
    let mut lln0 = default_value(&lln0_type());
    let set = |d: &mut Data<'static>, path: &str, v: Data<'static>| {
        let ty = lln0_type();
        if let Some((_, slot)) = super::path::at_mut(&ty, d, path) {
            *slot = v;
        }
    };
    set(&mut lln0, "ST$Mod$stVal", Data::Integer(1));
    set(&mut lln0, "ST$Beh$stVal", Data::Integer(1));
    set(&mut lln0, "ST$Health$stVal", Data::Integer(1));
    set(&mut lln0, "CF$Mod$ctlModel", Data::Integer(0));
    set(
        &mut lln0,
        "DC$NamPlt$vendor",
        Data::VisibleString("osi-mms".into()),
    );
    set(
        &mut lln0,
        "DC$NamPlt$swRev",
        Data::VisibleString(env!("CARGO_PKG_VERSION").into()),
    );
    set(
        &mut lln0,
        "DC$NamPlt$d",
        Data::VisibleString("demo IED".into()),
    );
    set(
        &mut lln0,
        "DC$NamPlt$configRev",
        Data::VisibleString("1".into()),
    );
    set(
        &mut lln0,
        "DC$NamPlt$ldNs",
        Data::VisibleString("IEC 61850-7-4:2007".into()),
    );
    let mut ggio = default_value(&ggio1_type());
    let gty = ggio1_type();
    if let Some((_, slot)) = super::path::at_mut(&gty, &mut ggio, "CF$SPCSO1$ctlModel") {
        *slot = Data::Integer(1); // direct-with-normal-security
    }
    let mut log = Journal::default();
    log.append(
        1_700_000_000_000,
        vec![("GGIO1$ST$Ind1$stVal".into(), Data::Boolean(false))],
        None,
    );
    log.append(1_700_000_060_000, Vec::new(), Some("demo started".into()));
    log.append(
        1_700_000_120_000,
        vec![
            ("GGIO1$ST$Ind1$stVal".into(), Data::Boolean(true)),
            (
                "GGIO1$MX$AnIn1$mag$f".into(),
                Data::FloatingPoint(FloatingPoint::from_f32(12.5)),
            ),
        ],
        None,
    );
    let mut b = Model::builder()
        .identity("osi-mms", "demo", env!("CARGO_PKG_VERSION"))
        .expand_components(true)
        .vmd(|v| {
            v.variable(
                "Bilateral_Table_ID",
                TypeDescription::VisibleString(-32),
                Data::VisibleString("BLT-DEMO-1".into()),
            )
            .variable(
                "TASE2_Version",
                tase2_version_type(),
                Data::structure(vec![Data::Integer(2000), Data::Integer(8)]),
            )
            .variable(
                "Supported_Features",
                TypeDescription::BitString(12),
                Data::BitString(crate::data::MmsBitString::from_bools(&[
                    true, true, false, false, false, false, false, false, false, false, false,
                    false,
                ])),
            )
        })
        .domain(DOMAIN, |d| {
            d.variable("LLN0", lln0_type(), lln0)
                .variable("GGIO1", ggio1_type(), ggio)
                .write_paths("GGIO1", &["CO", "SP"])
                .list(
                    DATA_SET,
                    &[
                        "GGIO1$ST$Ind1",
                        "GGIO1$ST$Ind2",
                        "GGIO1$MX$AnIn1",
                        "GGIO1$MX$AnIn2",
                    ],
                    false,
                )
                .journal(JOURNAL, log)
        });
    if let Some(dir) = files {
        write_files(dir).map_err(|e| ModelError::Files {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        b = b.files(dir);
    }
    let m = b.build()?;
    tick(
        &m,
        UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
    );
    Ok(m)
}

/// Moves the demo's values to time `t` (the program calls it periodically): AnIn1..4 follow
/// slow waves, Ind1..4 toggle with periods of 10, 20, 30, 40 s (their `t` changes when they
/// do), ST$SPCSO1 follows the last CO$SPCSO1$Oper$ctlVal written, and a change of Ind1 is
/// logged in the journal.
pub fn tick(model: &Model, t: SystemTime) {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let ts = Data::UtcTime(UtcTime::from_system_time(t, 0x0A));
    let good = Data::BitString(Quality::default().to_bit_string());
    for k in 1..=4u32 {
        let base = format!("GGIO1$MX$AnIn{k}");
        let v = 10.0 * f64::from(k) + 5.0 * (secs / 10.0 + f64::from(k)).sin();
        let _ = model.set(
            DOMAIN,
            &format!("{base}$mag$f"),
            Data::FloatingPoint(FloatingPoint::from_f32(v as f32)),
        );
        let _ = model.set(DOMAIN, &format!("{base}$q"), good.clone());
        let _ = model.set(DOMAIN, &format!("{base}$t"), ts.clone());
        let ind = format!("GGIO1$ST$Ind{k}");
        let on = (secs as u64 / (10 * u64::from(k))) % 2 == 1;
        let before = model.get(DOMAIN, &format!("{ind}$stVal"));
        if before != Some(Data::Boolean(on)) {
            let _ = model.set(DOMAIN, &format!("{ind}$stVal"), Data::Boolean(on));
            let _ = model.set(DOMAIN, &format!("{ind}$q"), good.clone());
            let _ = model.set(DOMAIN, &format!("{ind}$t"), ts.clone());
            if k == 1 {
                let _ = model.journal_append(
                    Some(DOMAIN),
                    JOURNAL,
                    (secs * 1000.0) as i64,
                    vec![(format!("{ind}$stVal"), Data::Boolean(on))],
                );
            }
        }
    }
    if let Some(Data::Boolean(c)) = model.get(DOMAIN, "GGIO1$CO$SPCSO1$Oper$ctlVal") {
        if model.get(DOMAIN, "GGIO1$ST$SPCSO1$stVal") != Some(Data::Boolean(c)) {
            let _ = model.set(DOMAIN, "GGIO1$ST$SPCSO1$stVal", Data::Boolean(c));
            let _ = model.set(DOMAIN, "GGIO1$ST$SPCSO1$t", ts.clone());
        }
    }
}
