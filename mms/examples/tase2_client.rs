//! The TASE.2 client (`mms::tase2::client`) end to end, against a small TASE.2 partner served
//! in-process from the object model: association check, a typed point read, a data set, a DS
//! transfer set reserved with Next_DSTransfer_Set and started, and one critical report
//! received, decoded and acknowledged.
//!
//! ```text
//! cargo run -p mms --example tase2_client
//! ```

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mms::access::AccessResult;
use mms::data::{Data, DataAccessError};
use mms::pdu::UnconfirmedService;
use mms::server::model::{DynamicValue, Model, ValueRequest};
use mms::server::{Server, ServerConfig};
use mms::services::variables::InformationReport;
use mms::tase2::client::{Client, DataSetLayout, Event, Expectations, Tase2Config};
use mms::tase2::point::ValueQTimeTag;
use mms::tase2::{
    BilateralTableId, DataFlags, DsConditions, DsTransferSet, Edition, MmsObjectName, Point,
    PointType, SupportedFeatures, Tase2Type, Tase2Version, TimeStamp,
};
use mms::{ObjectName, VariableAccessSpecification};

/// Next_DSTransfer_Set of the partner: hands out DSTransferSet01 once.
struct Reserve(Mutex<bool>);

impl DynamicValue for Reserve {
    fn read(
        &self,
        _: &ValueRequest<'_>,
        stored: &Data<'static>,
    ) -> Result<Data<'static>, DataAccessError> {
        let mut taken = self.0.lock().map_err(|_| DataAccessError::HardwareFault)?;
        if *taken {
            return Err(DataAccessError::TemporarilyUnavailable);
        }
        *taken = true;
        Ok(stored.clone())
    }

    fn write(&self, _: &ValueRequest<'_>, _: &Data<'_>) -> Result<(), DataAccessError> {
        Err(DataAccessError::ObjectAccessDenied)
    }
}

fn partner() -> Result<Model, Box<dyn std::error::Error>> {
    let ts = MmsObjectName::icc("ICC1", "DSTransferSet01")?;
    let line = Point::RealQTimeTag(ValueQTimeTag {
        value: 231.5,
        time_stamp: TimeStamp(1_700_000_000),
        flags: DataFlags::GOOD,
    });
    Ok(Model::builder()
        .vmd(|v| {
            v.variable(
                "TASE2_Version",
                Tase2Version::type_description(),
                Tase2Version::V2000_08.to_data(),
            )
            .variable(
                "Supported_Features",
                SupportedFeatures::type_description(),
                SupportedFeatures::from_blocks([1, 2]).to_data(),
            )
        })
        .domain("ICC1", |d| {
            d.variable(
                "Bilateral_Table_ID",
                BilateralTableId::type_description(),
                Data::from("BLT_ICC1_v3"),
            )
            .variable(
                "Transfer_Set_Name",
                MmsObjectName::type_description(),
                ts.to_data(),
            )
            .variable(
                "Transfer_Set_Time_Stamp",
                TimeStamp::type_description(),
                TimeStamp(0).to_data(),
            )
            .variable(
                "DSConditions_Detected",
                DsConditions::type_description(),
                DsConditions::NONE.to_data(),
            )
            .variable(
                "Next_DSTransfer_Set",
                MmsObjectName::type_description(),
                ts.to_data(),
            )
            .dynamic("Next_DSTransfer_Set", Arc::new(Reserve(Mutex::new(false))))
            .writable(
                "DSTransferSet01",
                DsTransferSet::type_description(Edition::V2000_08),
                DsTransferSet::new(ts.clone()).to_data(Edition::V2000_08),
            )
            .variable(
                "Line1_kV",
                PointType::RealQTimeTag.type_description(),
                line.to_data(),
            )
        })
        .build()?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = ServerConfig::default().with_listen(vec![SocketAddr::from(([127, 0, 0, 1], 0))]);
    let server = Server::bind(config, Arc::new(partner()?))?.spawn()?;

    // The client: our ICC at the partner is ICC1, and the agreement says BLT_ICC1_v3, blocks
    // 1 and 2.
    let config = Tase2Config::new("ICC1")
        .with_calling("1.1.999.1", Some(12))?
        .with_expect(
            Expectations::new()
                .blocks([1, 2])
                .bilateral_table_id(BilateralTableId::new("BLT_ICC1_v3")?),
        );
    let c = Client::connect(server.local_addr(), config)?;
    println!(
        "partner: TASE.2 {:?}, blocks {:?}",
        c.params().version,
        c.params().features.map(|f| f.blocks().collect::<Vec<_>>())
    );

    let line = ObjectName::domain("ICC1", "Line1_kV");
    println!(
        "Line1_kV = {:?}",
        c.read_point(&line, PointType::RealQTimeTag)?
    );

    // A data set with the special variables first, then the point; a transfer set on it.
    let ds = DataSetLayout::standard(
        "ICC1",
        "DS1",
        false,
        [(line.clone(), PointType::RealQTimeTag)],
    );
    c.define_data_set(&ds)?;
    let mut set = DsTransferSet::new(MmsObjectName::icc("ICC1", "DS1")?);
    set.interval = 10;
    set.ds_conditions_requested = DsConditions::INTERVAL_TIMEOUT;
    set.critical = true;
    let ts = c.start_transfer_set(&set)?;
    println!("started {}", ts.to_object_name());

    // The partner reports (here: pushed by hand, as its reporting engine would).
    let values = vec![
        ts.to_data(),
        TimeStamp(1_700_000_010).to_data(),
        DsConditions::INTERVAL_TIMEOUT.to_data(),
        c.mms().read_one(&line)?,
    ];
    server.handle().send_unconfirmed(
        None,
        &UnconfirmedService::InformationReport(InformationReport {
            variable_access_specification: VariableAccessSpecification::VariableListName(
                ds.name.clone(),
            ),
            list_of_access_result: values.into_iter().map(AccessResult::Success).collect(),
        }),
    );
    if let Some(Event::Report(r)) = c.next_event(Duration::from_secs(5)) {
        for (name, p) in r.typed_points() {
            println!(
                "report of {} at {:?}: {name} = {:?}",
                r.transfer_set.name,
                r.time_stamp,
                p.value()
            );
        }
    }
    std::thread::sleep(Duration::from_millis(100));
    println!("ACKs sent: {}", c.stats().acked);
    c.disable_transfer_set(&ts)?;
    c.delete_data_set(&ds.name)?;
    c.conclude()?;
    server.stop()?;
    Ok(())
}
