// The three service CHOICEs of ISO 9506-2 §7 (included by pdu.rs).

service_choice!(
    /// `ConfirmedServiceRequest` (ISO 9506-2 §7.2): every confirmed service's request.
    ConfirmedServiceRequest {
        /// status [0] (§10.3).
        Status(vmd::StatusRequest),
        /// getNameList [1] (§10.5).
        GetNameList(vmd::GetNameListRequest<'a>),
        /// identify [2] (§10.6).
        Identify(vmd::IdentifyRequest),
        /// rename [3] (§10.7).
        Rename(vmd::RenameRequest<'a>),
        /// read [4] (§14.6).
        Read(variables::ReadRequest<'a>),
        /// write [5] (§14.7).
        Write(variables::WriteRequest<'a>),
        /// getVariableAccessAttributes [6] (§14.9).
        GetVariableAccessAttributes(variables::GetVariableAccessAttributesRequest<'a>),
        /// defineNamedVariable [7] (§14.10).
        DefineNamedVariable(variables::DefineNamedVariableRequest<'a>),
        /// defineScatteredAccess [8] (§14.11).
        DefineScatteredAccess(variables::DefineScatteredAccessRequest<'a>),
        /// getScatteredAccessAttributes [9] (§14.12).
        GetScatteredAccessAttributes(variables::GetScatteredAccessAttributesRequest<'a>),
        /// deleteVariableAccess [10] (§14.13).
        DeleteVariableAccess(variables::DeleteVariableAccessRequest<'a>),
        /// defineNamedVariableList [11] (§14.14).
        DefineNamedVariableList(variables::DefineNamedVariableListRequest<'a>),
        /// getNamedVariableListAttributes [12] (§14.15).
        GetNamedVariableListAttributes(variables::GetNamedVariableListAttributesRequest<'a>),
        /// deleteNamedVariableList [13] (§14.16).
        DeleteNamedVariableList(variables::DeleteNamedVariableListRequest<'a>),
        /// defineNamedType [14] (§14.17).
        DefineNamedType(variables::DefineNamedTypeRequest<'a>),
        /// getNamedTypeAttributes [15] (§14.18).
        GetNamedTypeAttributes(variables::GetNamedTypeAttributesRequest<'a>),
        /// deleteNamedType [16] (§14.19).
        DeleteNamedType(variables::DeleteNamedTypeRequest<'a>),
        /// input [17] (§16.2).
        Input(operator::InputRequest<'a>),
        /// output [18] (§16.3).
        Output(operator::OutputRequest<'a>),
        /// takeControl [19] (§15.2).
        TakeControl(semaphore::TakeControlRequest<'a>),
        /// relinquishControl [20] (§15.3).
        RelinquishControl(semaphore::RelinquishControlRequest<'a>),
        /// defineSemaphore [21] (§15.4).
        DefineSemaphore(semaphore::DefineSemaphoreRequest<'a>),
        /// deleteSemaphore [22] (§15.5).
        DeleteSemaphore(semaphore::DeleteSemaphoreRequest<'a>),
        /// reportSemaphoreStatus [23] (§15.6).
        ReportSemaphoreStatus(semaphore::ReportSemaphoreStatusRequest<'a>),
        /// reportPoolSemaphoreStatus [24] (§15.7).
        ReportPoolSemaphoreStatus(semaphore::ReportPoolSemaphoreStatusRequest<'a>),
        /// reportSemaphoreEntryStatus [25] (§15.8).
        ReportSemaphoreEntryStatus(semaphore::ReportSemaphoreEntryStatusRequest<'a>),
        /// initiateDownloadSequence [26] (§11.2).
        InitiateDownloadSequence(domain::InitiateDownloadSequenceRequest<'a>),
        /// downloadSegment [27] (§11.3).
        DownloadSegment(domain::DownloadSegmentRequest<'a>),
        /// terminateDownloadSequence [28] (§11.4).
        TerminateDownloadSequence(domain::TerminateDownloadSequenceRequest<'a>),
        /// initiateUploadSequence [29] (§11.5).
        InitiateUploadSequence(domain::InitiateUploadSequenceRequest<'a>),
        /// uploadSegment [30] (§11.6).
        UploadSegment(domain::UploadSegmentRequest),
        /// terminateUploadSequence [31] (§11.7).
        TerminateUploadSequence(domain::TerminateUploadSequenceRequest),
        /// requestDomainDownload [32] (§11.8).
        RequestDomainDownload(domain::RequestDomainDownloadRequest<'a>),
        /// requestDomainUpload [33] (§11.9).
        RequestDomainUpload(domain::RequestDomainUploadRequest<'a>),
        /// loadDomainContent [34] (§11.10).
        LoadDomainContent(domain::LoadDomainContentRequest<'a>),
        /// storeDomainContent [35] (§11.11).
        StoreDomainContent(domain::StoreDomainContentRequest<'a>),
        /// deleteDomain [36] (§11.12).
        DeleteDomain(domain::DeleteDomainRequest<'a>),
        /// getDomainAttributes [37] (§11.13).
        GetDomainAttributes(domain::GetDomainAttributesRequest<'a>),
        /// createProgramInvocation [38] (§12.2).
        CreateProgramInvocation(program::CreateProgramInvocationRequest<'a>),
        /// deleteProgramInvocation [39] (§12.3).
        DeleteProgramInvocation(program::DeleteProgramInvocationRequest<'a>),
        /// start [40] (§12.4).
        Start(program::StartRequest<'a>),
        /// stop [41] (§12.5).
        Stop(program::StopRequest<'a>),
        /// resume [42] (§12.6).
        Resume(program::ResumeRequest<'a>),
        /// reset [43] (§12.7).
        Reset(program::ResetRequest<'a>),
        /// kill [44] (§12.8).
        Kill(program::KillRequest<'a>),
        /// getProgramInvocationAttributes [45] (§12.9).
        GetProgramInvocationAttributes(program::GetProgramInvocationAttributesRequest<'a>),
        /// obtainFile [46] (Annex D).
        ObtainFile(file::ObtainFileRequest<'a>),
        /// defineEventCondition [47] (§17.2).
        DefineEventCondition(event::DefineEventConditionRequest<'a>),
        /// deleteEventCondition [48] (§17.3).
        DeleteEventCondition(event::DeleteEventConditionRequest<'a>),
        /// getEventConditionAttributes [49] (§17.4).
        GetEventConditionAttributes(event::GetEventConditionAttributesRequest<'a>),
        /// reportEventConditionStatus [50] (§17.5).
        ReportEventConditionStatus(event::ReportEventConditionStatusRequest<'a>),
        /// alterEventConditionMonitoring [51] (§17.6).
        AlterEventConditionMonitoring(event::AlterEventConditionMonitoringRequest<'a>),
        /// triggerEvent [52] (§17.7).
        TriggerEvent(event::TriggerEventRequest<'a>),
        /// defineEventAction [53] (§18.2).
        DefineEventAction(event::DefineEventActionRequest<'a>),
        /// deleteEventAction [54] (§18.3).
        DeleteEventAction(event::DeleteEventActionRequest<'a>),
        /// getEventActionAttributes [55] (§18.4).
        GetEventActionAttributes(event::GetEventActionAttributesRequest<'a>),
        /// reportEventActionStatus [56] (§18.5).
        ReportEventActionStatus(event::ReportEventActionStatusRequest<'a>),
        /// defineEventEnrollment [57] (§19.2).
        DefineEventEnrollment(event::DefineEventEnrollmentRequest<'a>),
        /// deleteEventEnrollment [58] (§19.3).
        DeleteEventEnrollment(event::DeleteEventEnrollmentRequest<'a>),
        /// alterEventEnrollment [59] (§19.5).
        AlterEventEnrollment(event::AlterEventEnrollmentRequest<'a>),
        /// reportEventEnrollmentStatus [60] (§19.6).
        ReportEventEnrollmentStatus(event::ReportEventEnrollmentStatusRequest<'a>),
        /// getEventEnrollmentAttributes [61] (§19.4).
        GetEventEnrollmentAttributes(event::GetEventEnrollmentAttributesRequest<'a>),
        /// acknowledgeEventNotification [62] (§19.7).
        AcknowledgeEventNotification(event::AcknowledgeEventNotificationRequest<'a>),
        /// getAlarmSummary [63] (§19.8).
        GetAlarmSummary(event::GetAlarmSummaryRequest<'a>),
        /// getAlarmEnrollmentSummary [64] (§19.9).
        GetAlarmEnrollmentSummary(event::GetAlarmEnrollmentSummaryRequest<'a>),
        /// readJournal [65] (§20.2).
        ReadJournal(journal::ReadJournalRequest<'a>),
        /// writeJournal [66] (§20.3).
        WriteJournal(journal::WriteJournalRequest<'a>),
        /// initializeJournal [67] (§20.4).
        InitializeJournal(journal::InitializeJournalRequest<'a>),
        /// reportJournalStatus [68] (§20.5).
        ReportJournalStatus(journal::ReportJournalStatusRequest<'a>),
        /// createJournal [69] (§20.6).
        CreateJournal(journal::CreateJournalRequest<'a>),
        /// deleteJournal [70] (§20.7).
        DeleteJournal(journal::DeleteJournalRequest<'a>),
        /// getCapabilityList [71] (§10.8).
        GetCapabilityList(vmd::GetCapabilityListRequest<'a>),
        /// fileOpen [72] (Annex D).
        FileOpen(file::FileOpenRequest<'a>),
        /// fileRead [73] (Annex D).
        FileRead(file::FileReadRequest),
        /// fileClose [74] (Annex D).
        FileClose(file::FileCloseRequest),
        /// fileRename [75] (Annex D).
        FileRename(file::FileRenameRequest<'a>),
        /// fileDelete [76] (Annex D).
        FileDelete(file::FileDeleteRequest<'a>),
        /// fileDirectory [77] (Annex D).
        FileDirectory(file::FileDirectoryRequest<'a>),
    }
);

service_choice!(
    /// `ConfirmedServiceResponse` (ISO 9506-2 §7.2): every confirmed service's response.
    ConfirmedServiceResponse {
        /// status [0] (§10.3).
        Status(vmd::StatusResponse),
        /// getNameList [1] (§10.5).
        GetNameList(vmd::GetNameListResponse<'a>),
        /// identify [2] (§10.6).
        Identify(vmd::IdentifyResponse<'a>),
        /// rename [3] (§10.7).
        Rename(vmd::RenameResponse),
        /// read [4] (§14.6).
        Read(variables::ReadResponse<'a>),
        /// write [5] (§14.7).
        Write(variables::WriteResponse),
        /// getVariableAccessAttributes [6] (§14.9).
        GetVariableAccessAttributes(variables::GetVariableAccessAttributesResponse<'a>),
        /// defineNamedVariable [7] (§14.10).
        DefineNamedVariable(variables::DefineNamedVariableResponse),
        /// defineScatteredAccess [8] (§14.11).
        DefineScatteredAccess(variables::DefineScatteredAccessResponse),
        /// getScatteredAccessAttributes [9] (§14.12).
        GetScatteredAccessAttributes(variables::GetScatteredAccessAttributesResponse<'a>),
        /// deleteVariableAccess [10] (§14.13).
        DeleteVariableAccess(variables::DeleteVariableAccessResponse),
        /// defineNamedVariableList [11] (§14.14).
        DefineNamedVariableList(variables::DefineNamedVariableListResponse),
        /// getNamedVariableListAttributes [12] (§14.15).
        GetNamedVariableListAttributes(variables::GetNamedVariableListAttributesResponse<'a>),
        /// deleteNamedVariableList [13] (§14.16).
        DeleteNamedVariableList(variables::DeleteNamedVariableListResponse),
        /// defineNamedType [14] (§14.17).
        DefineNamedType(variables::DefineNamedTypeResponse),
        /// getNamedTypeAttributes [15] (§14.18).
        GetNamedTypeAttributes(variables::GetNamedTypeAttributesResponse<'a>),
        /// deleteNamedType [16] (§14.19).
        DeleteNamedType(variables::DeleteNamedTypeResponse),
        /// input [17] (§16.2).
        Input(operator::InputResponse<'a>),
        /// output [18] (§16.3).
        Output(operator::OutputResponse),
        /// takeControl [19] (§15.2).
        TakeControl(semaphore::TakeControlResponse<'a>),
        /// relinquishControl [20] (§15.3).
        RelinquishControl(semaphore::RelinquishControlResponse),
        /// defineSemaphore [21] (§15.4).
        DefineSemaphore(semaphore::DefineSemaphoreResponse),
        /// deleteSemaphore [22] (§15.5).
        DeleteSemaphore(semaphore::DeleteSemaphoreResponse),
        /// reportSemaphoreStatus [23] (§15.6).
        ReportSemaphoreStatus(semaphore::ReportSemaphoreStatusResponse<'a>),
        /// reportPoolSemaphoreStatus [24] (§15.7).
        ReportPoolSemaphoreStatus(semaphore::ReportPoolSemaphoreStatusResponse<'a>),
        /// reportSemaphoreEntryStatus [25] (§15.8).
        ReportSemaphoreEntryStatus(semaphore::ReportSemaphoreEntryStatusResponse<'a>),
        /// initiateDownloadSequence [26] (§11.2).
        InitiateDownloadSequence(domain::InitiateDownloadSequenceResponse),
        /// downloadSegment [27] (§11.3).
        DownloadSegment(domain::DownloadSegmentResponse<'a>),
        /// terminateDownloadSequence [28] (§11.4).
        TerminateDownloadSequence(domain::TerminateDownloadSequenceResponse),
        /// initiateUploadSequence [29] (§11.5).
        InitiateUploadSequence(domain::InitiateUploadSequenceResponse<'a>),
        /// uploadSegment [30] (§11.6).
        UploadSegment(domain::UploadSegmentResponse<'a>),
        /// terminateUploadSequence [31] (§11.7).
        TerminateUploadSequence(domain::TerminateUploadSequenceResponse),
        /// requestDomainDownload [32] (§11.8).
        RequestDomainDownload(domain::RequestDomainDownloadResponse),
        /// requestDomainUpload [33] (§11.9).
        RequestDomainUpload(domain::RequestDomainUploadResponse),
        /// loadDomainContent [34] (§11.10).
        LoadDomainContent(domain::LoadDomainContentResponse),
        /// storeDomainContent [35] (§11.11).
        StoreDomainContent(domain::StoreDomainContentResponse),
        /// deleteDomain [36] (§11.12).
        DeleteDomain(domain::DeleteDomainResponse),
        /// getDomainAttributes [37] (§11.13).
        GetDomainAttributes(domain::GetDomainAttributesResponse<'a>),
        /// createProgramInvocation [38] (§12.2).
        CreateProgramInvocation(program::CreateProgramInvocationResponse),
        /// deleteProgramInvocation [39] (§12.3).
        DeleteProgramInvocation(program::DeleteProgramInvocationResponse),
        /// start [40] (§12.4).
        Start(program::StartResponse),
        /// stop [41] (§12.5).
        Stop(program::StopResponse),
        /// resume [42] (§12.6).
        Resume(program::ResumeResponse),
        /// reset [43] (§12.7).
        Reset(program::ResetResponse),
        /// kill [44] (§12.8).
        Kill(program::KillResponse),
        /// getProgramInvocationAttributes [45] (§12.9).
        GetProgramInvocationAttributes(program::GetProgramInvocationAttributesResponse<'a>),
        /// obtainFile [46] (Annex D).
        ObtainFile(file::ObtainFileResponse),
        /// defineEventCondition [47] (§17.2).
        DefineEventCondition(event::DefineEventConditionResponse),
        /// deleteEventCondition [48] (§17.3).
        DeleteEventCondition(event::DeleteEventConditionResponse),
        /// getEventConditionAttributes [49] (§17.4).
        GetEventConditionAttributes(event::GetEventConditionAttributesResponse<'a>),
        /// reportEventConditionStatus [50] (§17.5).
        ReportEventConditionStatus(event::ReportEventConditionStatusResponse),
        /// alterEventConditionMonitoring [51] (§17.6).
        AlterEventConditionMonitoring(event::AlterEventConditionMonitoringResponse),
        /// triggerEvent [52] (§17.7).
        TriggerEvent(event::TriggerEventResponse),
        /// defineEventAction [53] (§18.2).
        DefineEventAction(event::DefineEventActionResponse),
        /// deleteEventAction [54] (§18.3).
        DeleteEventAction(event::DeleteEventActionResponse),
        /// getEventActionAttributes [55] (§18.4).
        GetEventActionAttributes(event::GetEventActionAttributesResponse<'a>),
        /// reportEventActionStatus [56] (§18.5).
        ReportEventActionStatus(event::ReportEventActionStatusResponse),
        /// defineEventEnrollment [57] (§19.2).
        DefineEventEnrollment(event::DefineEventEnrollmentResponse),
        /// deleteEventEnrollment [58] (§19.3).
        DeleteEventEnrollment(event::DeleteEventEnrollmentResponse),
        /// alterEventEnrollment [59] (§19.5).
        AlterEventEnrollment(event::AlterEventEnrollmentResponse),
        /// reportEventEnrollmentStatus [60] (§19.6).
        ReportEventEnrollmentStatus(event::ReportEventEnrollmentStatusResponse),
        /// getEventEnrollmentAttributes [61] (§19.4).
        GetEventEnrollmentAttributes(event::GetEventEnrollmentAttributesResponse<'a>),
        /// acknowledgeEventNotification [62] (§19.7).
        AcknowledgeEventNotification(event::AcknowledgeEventNotificationResponse),
        /// getAlarmSummary [63] (§19.8).
        GetAlarmSummary(event::GetAlarmSummaryResponse<'a>),
        /// getAlarmEnrollmentSummary [64] (§19.9).
        GetAlarmEnrollmentSummary(event::GetAlarmEnrollmentSummaryResponse<'a>),
        /// readJournal [65] (§20.2).
        ReadJournal(journal::ReadJournalResponse<'a>),
        /// writeJournal [66] (§20.3).
        WriteJournal(journal::WriteJournalResponse),
        /// initializeJournal [67] (§20.4).
        InitializeJournal(journal::InitializeJournalResponse),
        /// reportJournalStatus [68] (§20.5).
        ReportJournalStatus(journal::ReportJournalStatusResponse<'a>),
        /// createJournal [69] (§20.6).
        CreateJournal(journal::CreateJournalResponse),
        /// deleteJournal [70] (§20.7).
        DeleteJournal(journal::DeleteJournalResponse),
        /// getCapabilityList [71] (§10.8).
        GetCapabilityList(vmd::GetCapabilityListResponse<'a>),
        /// fileOpen [72] (Annex D).
        FileOpen(file::FileOpenResponse<'a>),
        /// fileRead [73] (Annex D).
        FileRead(file::FileReadResponse<'a>),
        /// fileClose [74] (Annex D).
        FileClose(file::FileCloseResponse),
        /// fileRename [75] (Annex D).
        FileRename(file::FileRenameResponse),
        /// fileDelete [76] (Annex D).
        FileDelete(file::FileDeleteResponse),
        /// fileDirectory [77] (Annex D).
        FileDirectory(file::FileDirectoryResponse<'a>),
    }
);

service_choice!(
    /// `UnconfirmedService` (ISO 9506-2 §7.3).
    UnconfirmedService {
        /// informationReport [0] (§14.8).
        InformationReport(variables::InformationReport<'a>),
        /// unsolicitedStatus [1] (§10.4).
        UnsolicitedStatus(vmd::UnsolicitedStatus),
        /// eventNotification [2] (§19.10).
        EventNotification(event::EventNotification<'a>),
    }
);
