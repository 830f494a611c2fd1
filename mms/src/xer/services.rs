//! The MMSpdu (ISO 9506-2 §7) and the services IEC 61850-8-2 carries, as XER sees them:
//! initiate, conclude, cancel, reject, confirmed request/response/error for status,
//! GetNameList, identify, rename, read, write, GetVariableAccessAttributes, the named variable
//! list services, the file services, ObtainFile, the journal services, and InformationReport.
//! Other services (and `listOfModifiers`, the `[79]` companion-standard detail) are not mapped:
//! encoding a PDU that uses them fails with [`super::XerError::Unsupported`].

use super::data::*;
use copp::xer::schema::{exp, imp, un, Ty};

/// `MMSpdu` (ISO 9506-2 §7.1).
pub(crate) static MMS_PDU: Ty = Ty::Choice(&[
    imp(0, "confirmed-RequestPDU", &CONFIRMED_REQUEST),
    imp(1, "confirmed-ResponsePDU", &CONFIRMED_RESPONSE),
    imp(2, "confirmed-ErrorPDU", &CONFIRMED_ERROR),
    imp(3, "unconfirmed-PDU", &UNCONFIRMED),
    imp(4, "rejectPDU", &REJECT),
    imp(5, "cancel-RequestPDU", &UNSIGNED32),
    imp(6, "cancel-ResponsePDU", &UNSIGNED32),
    imp(7, "cancel-ErrorPDU", &CANCEL_ERROR),
    imp(8, "initiate-RequestPDU", &INITIATE_REQUEST),
    imp(9, "initiate-ResponsePDU", &INITIATE_RESPONSE),
    imp(10, "initiate-ErrorPDU", &SERVICE_ERROR),
    imp(11, "conclude-RequestPDU", &NULL),
    imp(12, "conclude-ResponsePDU", &NULL),
    imp(13, "conclude-ErrorPDU", &SERVICE_ERROR),
]);

static CONFIRMED_REQUEST: Ty = Ty::Seq(&[
    un("invokeID", &UNSIGNED32),
    un("service", &CONFIRMED_SERVICE_REQUEST),
]);
static CONFIRMED_RESPONSE: Ty = Ty::Seq(&[
    un("invokeID", &UNSIGNED32),
    un("service", &CONFIRMED_SERVICE_RESPONSE),
]);
static CONFIRMED_ERROR: Ty = Ty::Seq(&[
    imp(0, "invokeID", &UNSIGNED32),
    imp(1, "modifierPosition", &UNSIGNED32).opt(),
    imp(2, "serviceError", &SERVICE_ERROR),
]);
static UNCONFIRMED: Ty = Ty::Seq(&[un("service", &UNCONFIRMED_SERVICE)]);
static UNCONFIRMED_SERVICE: Ty = Ty::Choice(&[imp(0, "informationReport", &INFORMATION_REPORT)]);
static CANCEL_ERROR: Ty = Ty::Seq(&[
    imp(0, "originalInvokeID", &UNSIGNED32),
    imp(1, "serviceError", &SERVICE_ERROR),
]);

/// `RejectPDU` (ISO 9506-2 §7.5).
static REJECT: Ty = Ty::Seq(&[
    imp(0, "originalInvokeID", &UNSIGNED32).opt(),
    un("rejectReason", &REJECT_REASON),
]);
static REJECT_REASON: Ty = Ty::Choice(&[
    imp(1, "confirmed-requestPDU", &INT),
    imp(2, "confirmed-responsePDU", &INT),
    imp(3, "confirmed-errorPDU", &INT),
    imp(4, "unconfirmedPDU", &INT),
    imp(5, "pdu-error", &INT),
    imp(6, "cancel-requestPDU", &INT),
    imp(7, "cancel-responsePDU", &INT),
    imp(8, "cancel-errorPDU", &INT),
    imp(9, "conclude-requestPDU", &INT),
    imp(10, "conclude-responsePDU", &INT),
    imp(11, "conclude-errorPDU", &INT),
]);

/// `ServiceError` (ISO 9506-2 §7.4) with the serviceSpecificInfo alternatives of the mapped
/// services.
static SERVICE_ERROR: Ty = Ty::Seq(&[
    exp(0, "errorClass", &ERROR_CLASS),
    imp(1, "additionalCode", &INT).opt(),
    imp(2, "additionalDescription", &VISIBLE).opt(),
    exp(3, "serviceSpecificInfo", &SERVICE_SPECIFIC_INFO).opt(),
]);
static ERROR_CLASS: Ty = Ty::Choice(&[
    imp(0, "vmd-state", &INT),
    imp(1, "application-reference", &INT),
    imp(2, "definition", &INT),
    imp(3, "resource", &INT),
    imp(4, "service", &INT),
    imp(5, "service-preempt", &INT),
    imp(6, "time-resolution", &INT),
    imp(7, "access", &INT),
    imp(8, "initiate", &INT),
    imp(9, "conclude", &INT),
    imp(10, "cancel", &INT),
    imp(11, "file", &INT),
    imp(12, "others", &INT),
]);
/// The additionalService alternative ([10], ISO 9506-2 Annex) is not mapped.
static SERVICE_SPECIFIC_INFO: Ty = Ty::Choice(&[
    imp(0, "obtainFile", &INT),
    imp(1, "start", &PROGRAM_INVOCATION_STATE),
    imp(2, "stop", &PROGRAM_INVOCATION_STATE),
    imp(3, "resume", &PROGRAM_INVOCATION_STATE),
    imp(4, "reset", &PROGRAM_INVOCATION_STATE),
    imp(5, "deleteVariableAccess", &UNSIGNED32),
    imp(6, "deleteNamedVariableList", &UNSIGNED32),
    imp(7, "deleteNamedType", &UNSIGNED32),
    exp(8, "defineEventEnrollment-Error", &OBJECT_NAME),
    imp(9, "fileRename", &INT),
    imp(11, "changeAccessControl", &UNSIGNED32),
]);
static PROGRAM_INVOCATION_STATE: Ty = Ty::Ref("ProgramInvocationState", &INT);

/// `Initiate-RequestPDU` (ISO 9506-2 §8.2.1).
static INITIATE_REQUEST: Ty = Ty::Seq(&[
    imp(0, "localDetailCalling", &INTEGER32).opt(),
    imp(1, "proposedMaxServOutstandingCalling", &INTEGER16),
    imp(2, "proposedMaxServOutstandingCalled", &INTEGER16),
    imp(3, "proposedDataStructureNestingLevel", &INTEGER8).opt(),
    imp(4, "initRequestDetail", &INIT_REQUEST_DETAIL),
]);
static INIT_REQUEST_DETAIL: Ty = Ty::Seq(&[
    imp(0, "proposedVersionNumber", &INTEGER16),
    imp(1, "proposedParameterCBB", &PARAMETER_SUPPORT_OPTIONS),
    imp(2, "servicesSupportedCalling", &SERVICE_SUPPORT_OPTIONS),
    imp(3, "additionalSupportedCalling", &ADDITIONAL_SUPPORT_OPTIONS).opt(),
    imp(4, "additionalCbbSupportedCalling", &ADDITIONAL_CBB_OPTIONS).opt(),
    imp(5, "privilegeClassIdentityCalling", &VISIBLE).opt(),
]);
/// `Initiate-ResponsePDU` (ISO 9506-2 §8.2.1).
static INITIATE_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "localDetailCalled", &INTEGER32).opt(),
    imp(1, "negotiatedMaxServOutstandingCalling", &INTEGER16),
    imp(2, "negotiatedMaxServOutstandingCalled", &INTEGER16),
    imp(3, "negotiatedDataStructureNestingLevel", &INTEGER8).opt(),
    imp(4, "initResponseDetail", &INIT_RESPONSE_DETAIL),
]);
static INIT_RESPONSE_DETAIL: Ty = Ty::Seq(&[
    imp(0, "negotiatedVersionNumber", &INTEGER16),
    imp(1, "negotiatedParameterCBB", &PARAMETER_SUPPORT_OPTIONS),
    imp(2, "servicesSupportedCalled", &SERVICE_SUPPORT_OPTIONS),
    imp(3, "additionalSupportedCalled", &ADDITIONAL_SUPPORT_OPTIONS).opt(),
    imp(4, "additionalCbbSupportedCalled", &ADDITIONAL_CBB_OPTIONS).opt(),
    imp(5, "privilegeClassIdentityCalled", &VISIBLE).opt(),
]);
static PARAMETER_SUPPORT_OPTIONS: Ty = Ty::Ref("ParameterSupportOptions", &BITS);
static SERVICE_SUPPORT_OPTIONS: Ty = Ty::Ref("ServiceSupportOptions", &BITS);
static ADDITIONAL_SUPPORT_OPTIONS: Ty = Ty::Ref("AdditionalSupportOptions", &BITS);
static ADDITIONAL_CBB_OPTIONS: Ty = Ty::Ref("AdditionalCBBOptions", &BITS);

/// `ConfirmedServiceRequest` (ISO 9506-2 §7.2), the mapped alternatives.
static CONFIRMED_SERVICE_REQUEST: Ty = Ty::Choice(&[
    imp(0, "status", &BOOL),
    imp(1, "getNameList", &GET_NAME_LIST_REQUEST),
    imp(2, "identify", &NULL),
    imp(3, "rename", &RENAME_REQUEST),
    imp(4, "read", &READ_REQUEST),
    imp(5, "write", &WRITE_REQUEST),
    exp(6, "getVariableAccessAttributes", &GET_VAA_REQUEST),
    imp(11, "defineNamedVariableList", &DEFINE_NVL_REQUEST),
    exp(12, "getNamedVariableListAttributes", &OBJECT_NAME),
    imp(13, "deleteNamedVariableList", &DELETE_NVL_REQUEST),
    imp(46, "obtainFile", &OBTAIN_FILE_REQUEST),
    imp(65, "readJournal", &READ_JOURNAL_REQUEST),
    imp(66, "writeJournal", &WRITE_JOURNAL_REQUEST),
    imp(67, "initializeJournal", &INITIALIZE_JOURNAL_REQUEST),
    exp(68, "reportJournalStatus", &OBJECT_NAME),
    imp(69, "createJournal", &JOURNAL_NAME_ONLY),
    imp(70, "deleteJournal", &JOURNAL_NAME_ONLY),
    imp(72, "fileOpen", &FILE_OPEN_REQUEST),
    imp(73, "fileRead", &INTEGER32),
    imp(74, "fileClose", &INTEGER32),
    imp(75, "fileRename", &FILE_RENAME_REQUEST),
    imp(76, "fileDelete", &FILE_NAME),
    imp(77, "fileDirectory", &FILE_DIRECTORY_REQUEST),
]);

/// `ConfirmedServiceResponse` (ISO 9506-2 §7.2), the mapped alternatives.
static CONFIRMED_SERVICE_RESPONSE: Ty = Ty::Choice(&[
    imp(0, "status", &STATUS_RESPONSE),
    imp(1, "getNameList", &GET_NAME_LIST_RESPONSE),
    imp(2, "identify", &IDENTIFY_RESPONSE),
    imp(3, "rename", &NULL),
    imp(4, "read", &READ_RESPONSE),
    imp(5, "write", &WRITE_RESPONSE),
    imp(6, "getVariableAccessAttributes", &GET_VAA_RESPONSE),
    imp(11, "defineNamedVariableList", &NULL),
    imp(12, "getNamedVariableListAttributes", &GET_NVLA_RESPONSE),
    imp(13, "deleteNamedVariableList", &DELETE_NVL_RESPONSE),
    imp(46, "obtainFile", &NULL),
    imp(65, "readJournal", &READ_JOURNAL_RESPONSE),
    imp(66, "writeJournal", &NULL),
    imp(67, "initializeJournal", &UNSIGNED32),
    imp(68, "reportJournalStatus", &REPORT_JOURNAL_STATUS_RESPONSE),
    imp(69, "createJournal", &NULL),
    imp(70, "deleteJournal", &NULL),
    imp(72, "fileOpen", &FILE_OPEN_RESPONSE),
    imp(73, "fileRead", &FILE_READ_RESPONSE),
    imp(74, "fileClose", &NULL),
    imp(75, "fileRename", &NULL),
    imp(76, "fileDelete", &NULL),
    imp(77, "fileDirectory", &FILE_DIRECTORY_RESPONSE),
]);

static STATUS_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "vmdLogicalStatus", &INT),
    imp(1, "vmdPhysicalStatus", &INT),
    imp(2, "localDetail", &BITS).opt(),
]);
static GET_NAME_LIST_REQUEST: Ty = Ty::Seq(&[
    exp(0, "objectClass", &OBJECT_CLASS),
    exp(1, "objectScope", &OBJECT_SCOPE),
    imp(2, "continueAfter", &IDENTIFIER).opt(),
]);
static OBJECT_CLASS: Ty = Ty::Choice(&[
    imp(0, "basicObjectClass", &INT),
    imp(1, "csObjectClass", &INT),
]);
static OBJECT_SCOPE: Ty = Ty::Choice(&[
    imp(0, "vmdSpecific", &NULL),
    imp(1, "domainSpecific", &IDENTIFIER),
    imp(2, "aaSpecific", &NULL),
]);
static GET_NAME_LIST_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "listOfIdentifier", &IDENTIFIER_LIST),
    imp(1, "moreFollows", &BOOL).opt(),
]);
static IDENTIFIER_LIST: Ty = Ty::SeqOf(&IDENTIFIER);
static IDENTIFY_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "vendorName", &MMS_STRING),
    imp(1, "modelName", &MMS_STRING),
    imp(2, "revision", &MMS_STRING),
    imp(3, "listOfAbstractSyntaxes", &OID_LIST).opt(),
]);
static OID_LIST: Ty = Ty::SeqOf(&OID);
static RENAME_REQUEST: Ty = Ty::Seq(&[
    exp(0, "objectClass", &OBJECT_CLASS),
    exp(1, "currentName", &OBJECT_NAME),
    imp(2, "newIdentifier", &IDENTIFIER),
]);

static READ_REQUEST: Ty = Ty::Seq(&[
    imp(0, "specificationWithResult", &BOOL).opt(),
    exp(
        1,
        "variableAccessSpecification",
        &VARIABLE_ACCESS_SPECIFICATION,
    ),
]);
static READ_RESPONSE: Ty = Ty::Seq(&[
    exp(
        0,
        "variableAccessSpecification",
        &VARIABLE_ACCESS_SPECIFICATION,
    )
    .opt(),
    imp(1, "listOfAccessResult", &ACCESS_RESULT_LIST),
]);
static WRITE_REQUEST: Ty = Ty::Seq(&[
    un(
        "variableAccessSpecification",
        &VARIABLE_ACCESS_SPECIFICATION,
    ),
    imp(0, "listOfData", &DATA_LIST),
]);
static WRITE_RESPONSE: Ty = Ty::SeqOf(&WRITE_RESULT);
static WRITE_RESULT: Ty = Ty::Choice(&[
    imp(0, "failure", &DATA_ACCESS_ERROR),
    imp(1, "success", &NULL),
]);
/// `InformationReport` (ISO 9506-2 §14.7).
static INFORMATION_REPORT: Ty = Ty::Seq(&[
    un(
        "variableAccessSpecification",
        &VARIABLE_ACCESS_SPECIFICATION,
    ),
    imp(0, "listOfAccessResult", &ACCESS_RESULT_LIST),
]);
static GET_VAA_REQUEST: Ty =
    Ty::Choice(&[exp(0, "name", &OBJECT_NAME), exp(1, "address", &ADDRESS)]);
static GET_VAA_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "mmsDeletable", &BOOL),
    exp(1, "address", &ADDRESS).opt(),
    exp(2, "typeDescription", &TYPE_DESCRIPTION),
    imp(3, "accessControlList", &IDENTIFIER).opt(),
    imp(4, "meaning", &VISIBLE).opt(),
]);
static DEFINE_NVL_REQUEST: Ty = Ty::Seq(&[
    un("variableListName", &OBJECT_NAME),
    imp(0, "listOfVariable", &LIST_OF_VARIABLE),
]);
static GET_NVLA_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "mmsDeletable", &BOOL),
    imp(1, "listOfVariable", &LIST_OF_VARIABLE),
    imp(2, "accessControlList", &IDENTIFIER).opt(),
]);
static DELETE_NVL_REQUEST: Ty = Ty::Seq(&[
    imp(0, "scopeOfDelete", &INT).opt(),
    imp(1, "listOfVariableListName", &OBJECT_NAME_LIST).opt(),
    imp(2, "domainName", &IDENTIFIER).opt(),
]);
static OBJECT_NAME_LIST: Ty = Ty::SeqOf(&OBJECT_NAME_REF);
static DELETE_NVL_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "numberMatched", &UNSIGNED32),
    imp(1, "numberDeleted", &UNSIGNED32),
]);

/// `FileName ::= SEQUENCE OF GraphicString` (ISO 9506-2 §23.2).
static FILE_NAME: Ty = Ty::SeqOf(&GRAPHIC);
static FILE_OPEN_REQUEST: Ty = Ty::Seq(&[
    imp(0, "fileName", &FILE_NAME),
    imp(1, "initialPosition", &UNSIGNED32),
]);
static FILE_OPEN_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "frsmID", &INTEGER32),
    imp(1, "fileAttributes", &FILE_ATTRIBUTES),
]);
static FILE_ATTRIBUTES: Ty = Ty::Seq(&[
    imp(0, "sizeOfFile", &UNSIGNED32),
    imp(1, "lastModified", &GENERALIZED_TIME).opt(),
]);
static FILE_READ_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "fileData", &OCTETS),
    imp(1, "moreFollows", &BOOL).opt(),
]);
static FILE_RENAME_REQUEST: Ty = Ty::Seq(&[
    imp(0, "currentFileName", &FILE_NAME),
    imp(1, "newFileName", &FILE_NAME),
]);
static FILE_DIRECTORY_REQUEST: Ty = Ty::Seq(&[
    imp(0, "fileSpecification", &FILE_NAME).opt(),
    imp(1, "continueAfter", &FILE_NAME).opt(),
]);
static FILE_DIRECTORY_RESPONSE: Ty = Ty::Seq(&[
    exp(0, "listOfDirectoryEntry", &DIRECTORY_ENTRIES),
    imp(1, "moreFollows", &BOOL).opt(),
]);
static DIRECTORY_ENTRIES: Ty = Ty::SeqOf(&Ty::Ref("DirectoryEntry", &DIRECTORY_ENTRY));
static DIRECTORY_ENTRY: Ty = Ty::Seq(&[
    imp(0, "fileName", &FILE_NAME),
    imp(1, "fileAttributes", &FILE_ATTRIBUTES),
]);
static OBTAIN_FILE_REQUEST: Ty = Ty::Seq(&[
    imp(0, "sourceFileServer", &APPLICATION_REFERENCE).opt(),
    imp(1, "sourceFile", &FILE_NAME),
    imp(2, "destinationFile", &FILE_NAME),
]);
/// `ApplicationReference` (ISO 9506-2 §7.3.1) with AP-title and AE-qualifier in form 2.
static APPLICATION_REFERENCE: Ty = Ty::Seq(&[
    exp(0, "ap-title", &OID).opt(),
    exp(1, "ap-invocation-id", &INT).opt(),
    exp(2, "ae-qualifier", &INT).opt(),
    exp(3, "ae-invocation-id", &INT).opt(),
]);

static READ_JOURNAL_REQUEST: Ty = Ty::Seq(&[
    exp(0, "journalName", &OBJECT_NAME),
    exp(1, "rangeStartSpecification", &RANGE_START).opt(),
    exp(2, "rangeStopSpecification", &RANGE_STOP).opt(),
    imp(4, "listOfVariables", &VISIBLE_LIST).opt(),
    imp(5, "entryToStartAfter", &ENTRY_TO_START_AFTER).opt(),
]);
static RANGE_START: Ty = Ty::Choice(&[
    imp(0, "startingTime", &TIME_OF_DAY),
    imp(1, "startingEntry", &OCTETS),
]);
static RANGE_STOP: Ty = Ty::Choice(&[
    imp(0, "endingTime", &TIME_OF_DAY),
    imp(1, "numberOfEntries", &INTEGER32),
]);
static VISIBLE_LIST: Ty = Ty::SeqOf(&VISIBLE);
static ENTRY_TO_START_AFTER: Ty = Ty::Seq(&[
    imp(0, "timeSpecification", &TIME_OF_DAY),
    imp(1, "entrySpecification", &OCTETS),
]);
static READ_JOURNAL_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "listOfJournalEntry", &JOURNAL_ENTRIES),
    imp(1, "moreFollows", &BOOL).opt(),
]);
static JOURNAL_ENTRIES: Ty = Ty::SeqOf(&Ty::Ref("JournalEntry", &JOURNAL_ENTRY));
static JOURNAL_ENTRY: Ty = Ty::Seq(&[
    imp(0, "entryIdentifier", &OCTETS),
    exp(1, "originatingApplication", &APPLICATION_REFERENCE),
    imp(2, "entryContent", &ENTRY_CONTENT),
]);
static ENTRY_CONTENT: Ty = Ty::Seq(&[
    imp(0, "occurrenceTime", &TIME_OF_DAY),
    un("entryForm", &ENTRY_FORM),
]);
static ENTRY_FORM: Ty = Ty::Choice(&[imp(2, "data", &ENTRY_DATA), imp(3, "annotation", &VISIBLE)]);
static ENTRY_DATA: Ty = Ty::Seq(&[
    imp(0, "event", &ENTRY_EVENT).opt(),
    imp(1, "listOfVariables", &JOURNAL_VARIABLES).opt(),
]);
static ENTRY_EVENT: Ty = Ty::Seq(&[
    exp(0, "eventConditionName", &OBJECT_NAME),
    imp(1, "currentState", &EC_STATE),
]);
static EC_STATE: Ty = Ty::Ref("EC-State", &INT);
static JOURNAL_VARIABLES: Ty = Ty::SeqOf(&Ty::Ref("Journal-Variable", &JOURNAL_VARIABLE));
static JOURNAL_VARIABLE: Ty = Ty::Seq(&[
    imp(0, "variableTag", &VISIBLE),
    exp(1, "valueSpecification", &DATA),
]);
static WRITE_JOURNAL_REQUEST: Ty = Ty::Seq(&[
    exp(0, "journalName", &OBJECT_NAME),
    imp(1, "listOfJournalEntry", &ENTRY_CONTENTS),
]);
static ENTRY_CONTENTS: Ty = Ty::SeqOf(&Ty::Ref("EntryContent", &ENTRY_CONTENT));
static INITIALIZE_JOURNAL_REQUEST: Ty = Ty::Seq(&[
    exp(0, "journalName", &OBJECT_NAME),
    imp(1, "limitSpecification", &LIMIT_SPECIFICATION).opt(),
]);
static LIMIT_SPECIFICATION: Ty = Ty::Seq(&[
    imp(0, "limitingTime", &TIME_OF_DAY),
    imp(1, "limitingEntry", &OCTETS).opt(),
]);
static REPORT_JOURNAL_STATUS_RESPONSE: Ty = Ty::Seq(&[
    imp(0, "currentEntries", &UNSIGNED32),
    imp(1, "mmsDeletable", &BOOL),
    imp(2, "accessControlList", &IDENTIFIER).opt(),
]);
static JOURNAL_NAME_ONLY: Ty = Ty::Seq(&[exp(0, "journalName", &OBJECT_NAME)]);
