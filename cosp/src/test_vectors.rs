//! Byte vectors shared by the unit tests. Every SPDU below was wrapped in TPKT + COTP DT
//! (`03 00 LL LL 02 F0 80`) and checked with tshark 4.0 (dissectors ses, pres, acse, mms):
//! decoded as described, no "[Malformed Packet]", no expert info.

/// Decodes a hex string (test helper).
pub(crate) fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    s.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

// checked with tshark 4.0 (dissector ses/pres/acse/mms): CONNECT, PGI 5 {PI 19 = 0, PI 22 = 3},
// PI 20 = duplex, SSELs 00 01, PGI 193 with a CP-type carrying AARQ + MMS initiate-Request.
pub(crate) const CN_SMALL: &str = "0d950506130100160103140200023302000134020001c17f317da003800101a276810400000001820400000001a423300f0201010604520100013004060251013010020103060528ca22020130040602510161433041020101a03c603aa107060528ca220203be2f282d020103a028a826800300fde881010582010583010aa416800101810305f100820c03ee1c00000408000079ef18";
/// The CP-type inside [CN_SMALL].
pub(crate) const CP_SMALL: &str = "317da003800101a276810400000001820400000001a423300f0201010604520100013004060251013010020103060528ca22020130040602510161433041020101a03c603aa107060528ca220203be2f282d020103a028a826800300fde881010582010583010aa416800101810305f100820c03ee1c00000408000079ef18";
// checked with tshark 4.0 (dissector ses/pres/acse/mms): CONNECT with 3-octet SPDU LI
// (FF 05 96), PI 22 = 2, PGI 194 with 3-octet LI (FF 05 7E) carrying a 1406-octet CP-type.
pub(crate) const CN_PGI194: &str = include_str!("../testdata/cn_pgi194.hex");
// checked with tshark 4.0 (dissector ses/pres/acse/mms): ACCEPT, PGI 5 {PI 19 = 0, PI 22 = 2},
// PI 20 = duplex, PI 52 = 00 01, PGI 193 with a CPA-PPDU carrying AARE + initiate-Response.
pub(crate) const AC: &str = "0e8605061301001601021402000234020001c1743172a003800101a26b830400000001a512300780010081025101300780010081025101614f304d020101a0486146a107060528ca220203a203020100a305a103020100be2f282d020103a028a926800300fde881010582010583010aa416800101810305f100820c03ee1c00000408000079ef18";
/// The CPA-PPDU inside [AC].
pub(crate) const CPA: &str = "3172a003800101a26b830400000001a512300780010081025101300780010081025101614f304d020101a0486146a107060528ca220203a203020100a305a103020100be2f282d020103a028a926800300fde881010582010583010aa416800101810305f100820c03ee1c00000408000079ef18";
// checked with tshark 4.0 (dissector ses/pres/mms): GIVE TOKENS + DATA TRANSFER + P-DATA
// (context 3, MMS identify request).
pub(crate) const GT_DT: &str = "01000100610e300c020103a007a0050201018200";
// checked with tshark 4.0 (dissector ses/pres/acse): FINISH, PI 17 = 1, PGI 193 with RLRQ.
pub(crate) const FN: &str = "0913110101c10e610c300a020101a0056203800100";
// checked with tshark 4.0 (dissector ses/pres/acse): DISCONNECT, PGI 193 with RLRE.
pub(crate) const DN: &str = "0a10c10e610c300a020101a0056303800100";
// checked with tshark 4.0 (dissector ses/pres/acse): libiec61850's ABORT, PI 17 = 0x0B
// (released, user abort, no reason), PGI 193 with ARU-PPDU carrying ABRT.
pub(crate) const AB_LIBIEC: &str = "191511010bc110a00e610c300a020101a0056403800100";
// checked with tshark 4.0 (dissector ses/pres/acse): our user ABORT, PI 17 = 0x03, same ARU.
pub(crate) const AB_USER: &str = "1915110103c110a00e610c300a020101a0056403800100";
// checked with tshark 4.0 (dissector ses): provider ABORT, PI 17 = 0x05 (released, protocol error).
pub(crate) const AB_PROVIDER: &str = "1903110105";
// checked with tshark 4.0 (dissector ses): ABORT with PI 49 Reflect Parameter (2 octets).
pub(crate) const AB_REFLECT: &str = "190711010531020102";
// checked with tshark 4.0 (dissector ses): REFUSE, PI 17 = 1, PI 50 = 129 (SSEL unknown).
pub(crate) const RF_SSEL: &str = "0c06110101320181";
// checked with tshark 4.0 (dissector ses): REFUSE, PI 17 = 1, PI 22 = 3, PI 50 = 132.
pub(crate) const RF_VERSION: &str = "0c09110101160103320184";
// checked with tshark 4.0 (dissector ses): ABORT ACCEPT.
pub(crate) const AA: &str = "1a00";
/// The 1406-octet CP-type inside [CN_PGI194].
pub(crate) const CP_1406: &str = include_str!("../testdata/cp_1406.hex");
