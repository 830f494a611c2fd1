//! Drives crates.io `rusty-iccp` 0.9.2 (its TASE.2 client, and the `rusty-mms-service` MMS
//! client it is built on) against a TASE.2 server and prints one line per step:
//! `STEP <name> ok <detail>` or `STEP <name> err <error>`, then `DONE`.
//!
//! Usage: `rusty-iccp-peer HOST:PORT CALLING-AP-TITLE AE-QUALIFIER ICC`
//!
//! The steps use rusty-iccp's API where it has one (names, data sets, values, transfer set) and
//! its MMS client for the association objects, which rusty-iccp 0.9.2 cannot decode (it
//! converts RealQ structures only). `write_as_rusty_iccp` repeats, through rusty-iccp's own
//! MMS client, the Write that `RustyIccpClient::start_transfer_set` sends once it has a
//! transfer-set name: one variable with thirteen values (the known defect), since 0.9.2 never
//! gets that far against a server that sends the MMSObjectName Scope as unsigned.

use std::time::Duration;

use der_parser::Oid;
use num_bigint::BigInt;
use rusty_iccp::{IccpAccessResult, IccpData, IccpScope, RustyIccpClient};
use rusty_mms::{
    ListOfVariablesItem, MmsObjectName, MmsVariableAccessSpecification, VariableSpecification,
};
use rusty_mms_service::data::{MmsServiceAccessResult, MmsServiceData};
use rusty_mms_service::{create_mms_service_client, MmsServiceConnectionParameters};

fn line(step: &str, result: Result<String, String>) {
    match result {
        Ok(detail) => println!("STEP {step} ok {}", detail.replace(' ', "")),
        Err(e) => println!("STEP {step} err {}", e.replace(' ', "_")),
    }
}

fn item(name: MmsObjectName) -> ListOfVariablesItem {
    ListOfVariablesItem {
        variable_specification: VariableSpecification::Name(name),
    }
}

fn show(r: &MmsServiceAccessResult) -> String {
    format!("{r:?}")
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: rusty-iccp-peer HOST:PORT AP-TITLE AE-QUALIFIER ICC");
        std::process::exit(64);
    }
    let addr = args[1].parse().expect("address");
    let arcs: Vec<u64> = args[2]
        .split('.')
        .map(|a| a.parse().expect("OID arc"))
        .collect();
    let ae: u8 = args[3].parse().expect("AE-qualifier 0..127");
    let icc = args[4].clone();

    let mut params = MmsServiceConnectionParameters::default();
    params.calling.ap_title = Some(Oid::from(&arcs).expect("OID").to_owned());
    params.calling.ae_qualifier = Some(vec![ae]);
    let connect = tokio::time::timeout(
        Duration::from_secs(10),
        create_mms_service_client(addr, params),
    )
    .await;
    let mut mms = match connect {
        Ok(Ok(c)) => {
            line("associate", Ok(String::new()));
            c
        }
        Ok(Err(e)) => {
            line("associate", Err(format!("{e}")));
            println!("DONE");
            return;
        }
        Err(_) => {
            line("associate", Err("timeout".into()));
            println!("DONE");
            return;
        }
    };
    let mut iccp = RustyIccpClient::new(mms.clone());
    let t = Duration::from_secs(10);

    macro_rules! step {
        ($name:expr, $fut:expr, $ok:expr) => {
            step!($name, $fut, $ok, t)
        };
        ($name:expr, $fut:expr, $ok:expr, $t:expr) => {
            match tokio::time::timeout($t, $fut).await {
                Ok(Ok(v)) => line($name, Ok($ok(v))),
                Ok(Err(e)) => line($name, Err(format!("{e}"))),
                Err(_) => line($name, Err("timeout".into())),
            }
        };
    }

    step!(
        "identify",
        mms.identify(),
        |i: rusty_mms_service::data::Identity| format!("{}|{}", i.vendor_name, i.model_name)
    );
    // association objects: VMD TASE2_Version, Supported_Features, ICC Bilateral_Table_ID
    step!(
        "association_objects",
        mms.read(MmsVariableAccessSpecification::ListOfVariables(vec![
            item(MmsObjectName::VmdSpecific("TASE2_Version".into())),
            item(MmsObjectName::VmdSpecific("Supported_Features".into())),
            item(MmsObjectName::DomainSpecific(
                icc.clone(),
                "Bilateral_Table_ID".into()
            )),
        ])),
        |r: Vec<MmsServiceAccessResult>| r.iter().map(show).collect::<Vec<_>>().join(";")
    );
    // rusty-iccp's own read of the version: it decodes RealQ structures only
    step!(
        "iccp_read_version",
        iccp.get_data_values(vec!["TASE2_Version".into()]),
        |r: Vec<IccpAccessResult>| format!("{}", r.len())
    );
    step!(
        "vcc_names",
        iccp.get_data_value_names(IccpScope::Vcc),
        |v: Vec<String>| v.join(",")
    );
    step!(
        "icc_names",
        iccp.get_data_value_names(IccpScope::ICC(icc.clone())),
        |v: Vec<String>| v.join(",")
    );
    step!(
        "icc_data_sets",
        iccp.get_data_set_names(IccpScope::ICC(icc.clone())),
        |v: Vec<String>| v.join(",")
    );
    // rusty-iccp reads every name VMD-scope: a VCC point, and an ICC point asked for in VCC scope
    step!(
        "read_points",
        iccp.get_data_values(vec!["Frequency".into(), "Voltage".into()]),
        |r: Vec<IccpAccessResult>| r
            .iter()
            .map(|x| match x {
                IccpAccessResult::Success(IccpData::RealQ(v, _)) => format!("RealQ({v})"),
                IccpAccessResult::Failure(e) => format!("Failure({e:?})"),
            })
            .collect::<Vec<_>>()
            .join(";")
    );
    step!(
        "create_data_set",
        iccp.create_data_set(icc.clone(), "RI_DS".into(), vec!["Frequency".into()]),
        |_| String::new()
    );
    step!(
        "icc_data_sets_after",
        iccp.get_data_set_names(IccpScope::ICC(icc.clone())),
        |v: Vec<String>| v.join(",")
    );
    // reads Next_DSTransfer_Set and expects its Scope as INTEGER
    step!(
        "start_transfer_set",
        iccp.start_transfer_set(icc.clone(), "RI_DS".into()),
        |_| String::new()
    );
    step!(
        "next_ds_transfer_set",
        mms.read(MmsVariableAccessSpecification::ListOfVariables(vec![item(
            MmsObjectName::DomainSpecific(icc.clone(), "Next_DSTransfer_Set".into())
        )])),
        |r: Vec<MmsServiceAccessResult>| r.iter().map(show).collect::<Vec<_>>().join(";")
    );
    // the Write rusty-iccp's start_transfer_set would send for the set just reserved
    let ts = "DSTransferSet01".to_string();
    let values = vec![
        MmsServiceData::Structure(vec![MmsServiceData::Structure(vec![
            MmsServiceData::Integer(BigInt::from(1)),
            MmsServiceData::VisibleString(icc.clone()),
            MmsServiceData::VisibleString("RI_DS".into()),
        ])]),
        MmsServiceData::Integer(BigInt::from(0)),
        MmsServiceData::Integer(BigInt::from(0)),
        MmsServiceData::Integer(BigInt::from(0)),
        MmsServiceData::Integer(BigInt::from(10)),
        MmsServiceData::Integer(BigInt::from(600)),
        MmsServiceData::BitString(vec![false, true, true, true, false]),
        MmsServiceData::Boolean(false),
        MmsServiceData::Boolean(false),
        MmsServiceData::Boolean(true),
        MmsServiceData::Boolean(false),
        MmsServiceData::Boolean(true),
        MmsServiceData::Integer(BigInt::from(0)),
    ];
    step!(
        "write_as_rusty_iccp",
        mms.write(
            MmsVariableAccessSpecification::ListOfVariables(vec![item(
                MmsObjectName::DomainSpecific(icc.clone(), ts.clone())
            )]),
            values
        ),
        |r: Vec<rusty_mms::MmsWriteResult>| format!("{r:?}"),
        Duration::from_secs(3)
    );
    // the association goes on
    step!(
        "read_after",
        iccp.get_data_values(vec!["Frequency".into()]),
        |r: Vec<IccpAccessResult>| r
            .iter()
            .map(|x| match x {
                IccpAccessResult::Success(IccpData::RealQ(v, _)) => format!("RealQ({v})"),
                IccpAccessResult::Failure(e) => format!("Failure({e:?})"),
            })
            .collect::<Vec<_>>()
            .join(";")
    );
    step!(
        "read_transfer_set",
        mms.read(MmsVariableAccessSpecification::ListOfVariables(vec![item(
            MmsObjectName::DomainSpecific(icc.clone(), ts)
        )])),
        |r: Vec<MmsServiceAccessResult>| r.iter().map(show).collect::<Vec<_>>().join(";")
    );
    step!(
        "delete_data_set",
        iccp.delete_data_sets(icc.clone(), vec!["RI_DS".into()]),
        |_| String::new()
    );
    println!("DONE");
    std::process::exit(0);
}
