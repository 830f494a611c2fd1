// The three service CHOICEs of ISO 9506-2 §7 (included by pdu.rs).

service_choice!(
    /// `ConfirmedServiceRequest` (ISO 9506-2 §7.2): every confirmed service's request.
    ConfirmedServiceRequest {
        /// status \[0\].
        Status(vmd::StatusRequest),
        /// getNameList \[1\].
        GetNameList(vmd::GetNameListRequest<'a>),
        /// identify \[2\].
        Identify(vmd::IdentifyRequest),
        /// rename \[3\].
        Rename(vmd::RenameRequest<'a>),
        /// read \[4\].
        Read(variables::ReadRequest<'a>),
        /// write \[5\].
        Write(variables::WriteRequest<'a>),
        /// getVariableAccessAttributes \[6\].
        GetVariableAccessAttributes(variables::GetVariableAccessAttributesRequest<'a>),
        /// defineNamedVariable \[7\].
        DefineNamedVariable(variables::DefineNamedVariableRequest<'a>),
        /// defineScatteredAccess \[8\].
        DefineScatteredAccess(variables::DefineScatteredAccessRequest<'a>),
        /// getScatteredAccessAttributes \[9\].
        GetScatteredAccessAttributes(variables::GetScatteredAccessAttributesRequest<'a>),
        /// deleteVariableAccess \[10\].
        DeleteVariableAccess(variables::DeleteVariableAccessRequest<'a>),
        /// defineNamedVariableList \[11\].
        DefineNamedVariableList(variables::DefineNamedVariableListRequest<'a>),
        /// getNamedVariableListAttributes \[12\].
        GetNamedVariableListAttributes(variables::GetNamedVariableListAttributesRequest<'a>),
        /// deleteNamedVariableList \[13\].
        DeleteNamedVariableList(variables::DeleteNamedVariableListRequest<'a>),
        /// defineNamedType \[14\].
        DefineNamedType(variables::DefineNamedTypeRequest<'a>),
        /// getNamedTypeAttributes \[15\].
        GetNamedTypeAttributes(variables::GetNamedTypeAttributesRequest<'a>),
        /// deleteNamedType \[16\].
        DeleteNamedType(variables::DeleteNamedTypeRequest<'a>),
        /// input \[17\].
        Input(operator::InputRequest<'a>),
        /// output \[18\].
        Output(operator::OutputRequest<'a>),
        /// takeControl \[19\].
        TakeControl(semaphore::TakeControlRequest<'a>),
        /// relinquishControl \[20\].
        RelinquishControl(semaphore::RelinquishControlRequest<'a>),
        /// defineSemaphore \[21\].
        DefineSemaphore(semaphore::DefineSemaphoreRequest<'a>),
        /// deleteSemaphore \[22\].
        DeleteSemaphore(semaphore::DeleteSemaphoreRequest<'a>),
        /// reportSemaphoreStatus \[23\].
        ReportSemaphoreStatus(semaphore::ReportSemaphoreStatusRequest<'a>),
        /// reportPoolSemaphoreStatus \[24\].
        ReportPoolSemaphoreStatus(semaphore::ReportPoolSemaphoreStatusRequest<'a>),
        /// reportSemaphoreEntryStatus \[25\].
        ReportSemaphoreEntryStatus(semaphore::ReportSemaphoreEntryStatusRequest<'a>),
        /// initiateDownloadSequence \[26\].
        InitiateDownloadSequence(domain::InitiateDownloadSequenceRequest<'a>),
        /// downloadSegment \[27\].
        DownloadSegment(domain::DownloadSegmentRequest<'a>),
        /// terminateDownloadSequence \[28\].
        TerminateDownloadSequence(domain::TerminateDownloadSequenceRequest<'a>),
        /// initiateUploadSequence \[29\].
        InitiateUploadSequence(domain::InitiateUploadSequenceRequest<'a>),
        /// uploadSegment \[30\].
        UploadSegment(domain::UploadSegmentRequest),
        /// terminateUploadSequence \[31\].
        TerminateUploadSequence(domain::TerminateUploadSequenceRequest),
        /// requestDomainDownload \[32\].
        RequestDomainDownload(domain::RequestDomainDownloadRequest<'a>),
        /// requestDomainUpload \[33\].
        RequestDomainUpload(domain::RequestDomainUploadRequest<'a>),
        /// loadDomainContent \[34\].
        LoadDomainContent(domain::LoadDomainContentRequest<'a>),
        /// storeDomainContent \[35\].
        StoreDomainContent(domain::StoreDomainContentRequest<'a>),
        /// deleteDomain \[36\].
        DeleteDomain(domain::DeleteDomainRequest<'a>),
        /// getDomainAttributes \[37\].
        GetDomainAttributes(domain::GetDomainAttributesRequest<'a>),
        /// createProgramInvocation \[38\].
        CreateProgramInvocation(program::CreateProgramInvocationRequest<'a>),
        /// deleteProgramInvocation \[39\].
        DeleteProgramInvocation(program::DeleteProgramInvocationRequest<'a>),
        /// start \[40\].
        Start(program::StartRequest<'a>),
        /// stop \[41\].
        Stop(program::StopRequest<'a>),
        /// resume \[42\].
        Resume(program::ResumeRequest<'a>),
        /// reset \[43\].
        Reset(program::ResetRequest<'a>),
        /// kill \[44\].
        Kill(program::KillRequest<'a>),
        /// getProgramInvocationAttributes \[45\].
        GetProgramInvocationAttributes(program::GetProgramInvocationAttributesRequest<'a>),
        /// obtainFile \[46\].
        ObtainFile(file::ObtainFileRequest<'a>),
        /// defineEventCondition \[47\].
        DefineEventCondition(event::DefineEventConditionRequest<'a>),
        /// deleteEventCondition \[48\].
        DeleteEventCondition(event::DeleteEventConditionRequest<'a>),
        /// getEventConditionAttributes \[49\].
        GetEventConditionAttributes(event::GetEventConditionAttributesRequest<'a>),
        /// reportEventConditionStatus \[50\].
        ReportEventConditionStatus(event::ReportEventConditionStatusRequest<'a>),
        /// alterEventConditionMonitoring \[51\].
        AlterEventConditionMonitoring(event::AlterEventConditionMonitoringRequest<'a>),
        /// triggerEvent \[52\].
        TriggerEvent(event::TriggerEventRequest<'a>),
        /// defineEventAction \[53\].
        DefineEventAction(event::DefineEventActionRequest<'a>),
        /// deleteEventAction \[54\].
        DeleteEventAction(event::DeleteEventActionRequest<'a>),
        /// getEventActionAttributes \[55\].
        GetEventActionAttributes(event::GetEventActionAttributesRequest<'a>),
        /// reportEventActionStatus \[56\].
        ReportEventActionStatus(event::ReportEventActionStatusRequest<'a>),
        /// defineEventEnrollment \[57\].
        DefineEventEnrollment(event::DefineEventEnrollmentRequest<'a>),
        /// deleteEventEnrollment \[58\].
        DeleteEventEnrollment(event::DeleteEventEnrollmentRequest<'a>),
        /// alterEventEnrollment \[59\].
        AlterEventEnrollment(event::AlterEventEnrollmentRequest<'a>),
        /// reportEventEnrollmentStatus \[60\].
        ReportEventEnrollmentStatus(event::ReportEventEnrollmentStatusRequest<'a>),
        /// getEventEnrollmentAttributes \[61\].
        GetEventEnrollmentAttributes(event::GetEventEnrollmentAttributesRequest<'a>),
        /// acknowledgeEventNotification \[62\].
        AcknowledgeEventNotification(event::AcknowledgeEventNotificationRequest<'a>),
        /// getAlarmSummary \[63\].
        GetAlarmSummary(event::GetAlarmSummaryRequest<'a>),
        /// getAlarmEnrollmentSummary \[64\].
        GetAlarmEnrollmentSummary(event::GetAlarmEnrollmentSummaryRequest<'a>),
        /// readJournal \[65\].
        ReadJournal(journal::ReadJournalRequest<'a>),
        /// writeJournal \[66\].
        WriteJournal(journal::WriteJournalRequest<'a>),
        /// initializeJournal \[67\].
        InitializeJournal(journal::InitializeJournalRequest<'a>),
        /// reportJournalStatus \[68\].
        ReportJournalStatus(journal::ReportJournalStatusRequest<'a>),
        /// createJournal \[69\].
        CreateJournal(journal::CreateJournalRequest<'a>),
        /// deleteJournal \[70\].
        DeleteJournal(journal::DeleteJournalRequest<'a>),
        /// getCapabilityList \[71\].
        GetCapabilityList(vmd::GetCapabilityListRequest<'a>),
        /// fileOpen \[72\].
        FileOpen(file::FileOpenRequest<'a>),
        /// fileRead \[73\].
        FileRead(file::FileReadRequest),
        /// fileClose \[74\].
        FileClose(file::FileCloseRequest),
        /// fileRename \[75\].
        FileRename(file::FileRenameRequest<'a>),
        /// fileDelete \[76\].
        FileDelete(file::FileDeleteRequest<'a>),
        /// fileDirectory \[77\].
        FileDirectory(file::FileDirectoryRequest<'a>),
    }
);

service_choice!(
    /// `ConfirmedServiceResponse` (ISO 9506-2 §7.2): every confirmed service's response.
    ConfirmedServiceResponse {
        /// status \[0\].
        Status(vmd::StatusResponse),
        /// getNameList \[1\].
        GetNameList(vmd::GetNameListResponse<'a>),
        /// identify \[2\].
        Identify(vmd::IdentifyResponse<'a>),
        /// rename \[3\].
        Rename(vmd::RenameResponse),
        /// read \[4\].
        Read(variables::ReadResponse<'a>),
        /// write \[5\].
        Write(variables::WriteResponse),
        /// getVariableAccessAttributes \[6\].
        GetVariableAccessAttributes(variables::GetVariableAccessAttributesResponse<'a>),
        /// defineNamedVariable \[7\].
        DefineNamedVariable(variables::DefineNamedVariableResponse),
        /// defineScatteredAccess \[8\].
        DefineScatteredAccess(variables::DefineScatteredAccessResponse),
        /// getScatteredAccessAttributes \[9\].
        GetScatteredAccessAttributes(variables::GetScatteredAccessAttributesResponse<'a>),
        /// deleteVariableAccess \[10\].
        DeleteVariableAccess(variables::DeleteVariableAccessResponse),
        /// defineNamedVariableList \[11\].
        DefineNamedVariableList(variables::DefineNamedVariableListResponse),
        /// getNamedVariableListAttributes \[12\].
        GetNamedVariableListAttributes(variables::GetNamedVariableListAttributesResponse<'a>),
        /// deleteNamedVariableList \[13\].
        DeleteNamedVariableList(variables::DeleteNamedVariableListResponse),
        /// defineNamedType \[14\].
        DefineNamedType(variables::DefineNamedTypeResponse),
        /// getNamedTypeAttributes \[15\].
        GetNamedTypeAttributes(variables::GetNamedTypeAttributesResponse<'a>),
        /// deleteNamedType \[16\].
        DeleteNamedType(variables::DeleteNamedTypeResponse),
        /// input \[17\].
        Input(operator::InputResponse<'a>),
        /// output \[18\].
        Output(operator::OutputResponse),
        /// takeControl \[19\].
        TakeControl(semaphore::TakeControlResponse<'a>),
        /// relinquishControl \[20\].
        RelinquishControl(semaphore::RelinquishControlResponse),
        /// defineSemaphore \[21\].
        DefineSemaphore(semaphore::DefineSemaphoreResponse),
        /// deleteSemaphore \[22\].
        DeleteSemaphore(semaphore::DeleteSemaphoreResponse),
        /// reportSemaphoreStatus \[23\].
        ReportSemaphoreStatus(semaphore::ReportSemaphoreStatusResponse<'a>),
        /// reportPoolSemaphoreStatus \[24\].
        ReportPoolSemaphoreStatus(semaphore::ReportPoolSemaphoreStatusResponse<'a>),
        /// reportSemaphoreEntryStatus \[25\].
        ReportSemaphoreEntryStatus(semaphore::ReportSemaphoreEntryStatusResponse<'a>),
        /// initiateDownloadSequence \[26\].
        InitiateDownloadSequence(domain::InitiateDownloadSequenceResponse),
        /// downloadSegment \[27\].
        DownloadSegment(domain::DownloadSegmentResponse<'a>),
        /// terminateDownloadSequence \[28\].
        TerminateDownloadSequence(domain::TerminateDownloadSequenceResponse),
        /// initiateUploadSequence \[29\].
        InitiateUploadSequence(domain::InitiateUploadSequenceResponse<'a>),
        /// uploadSegment \[30\].
        UploadSegment(domain::UploadSegmentResponse<'a>),
        /// terminateUploadSequence \[31\].
        TerminateUploadSequence(domain::TerminateUploadSequenceResponse),
        /// requestDomainDownload \[32\].
        RequestDomainDownload(domain::RequestDomainDownloadResponse),
        /// requestDomainUpload \[33\].
        RequestDomainUpload(domain::RequestDomainUploadResponse),
        /// loadDomainContent \[34\].
        LoadDomainContent(domain::LoadDomainContentResponse),
        /// storeDomainContent \[35\].
        StoreDomainContent(domain::StoreDomainContentResponse),
        /// deleteDomain \[36\].
        DeleteDomain(domain::DeleteDomainResponse),
        /// getDomainAttributes \[37\].
        GetDomainAttributes(domain::GetDomainAttributesResponse<'a>),
        /// createProgramInvocation \[38\].
        CreateProgramInvocation(program::CreateProgramInvocationResponse),
        /// deleteProgramInvocation \[39\].
        DeleteProgramInvocation(program::DeleteProgramInvocationResponse),
        /// start \[40\].
        Start(program::StartResponse),
        /// stop \[41\].
        Stop(program::StopResponse),
        /// resume \[42\].
        Resume(program::ResumeResponse),
        /// reset \[43\].
        Reset(program::ResetResponse),
        /// kill \[44\].
        Kill(program::KillResponse),
        /// getProgramInvocationAttributes \[45\].
        GetProgramInvocationAttributes(program::GetProgramInvocationAttributesResponse<'a>),
        /// obtainFile \[46\].
        ObtainFile(file::ObtainFileResponse),
        /// defineEventCondition \[47\].
        DefineEventCondition(event::DefineEventConditionResponse),
        /// deleteEventCondition \[48\].
        DeleteEventCondition(event::DeleteEventConditionResponse),
        /// getEventConditionAttributes \[49\].
        GetEventConditionAttributes(event::GetEventConditionAttributesResponse<'a>),
        /// reportEventConditionStatus \[50\].
        ReportEventConditionStatus(event::ReportEventConditionStatusResponse),
        /// alterEventConditionMonitoring \[51\].
        AlterEventConditionMonitoring(event::AlterEventConditionMonitoringResponse),
        /// triggerEvent \[52\].
        TriggerEvent(event::TriggerEventResponse),
        /// defineEventAction \[53\].
        DefineEventAction(event::DefineEventActionResponse),
        /// deleteEventAction \[54\].
        DeleteEventAction(event::DeleteEventActionResponse),
        /// getEventActionAttributes \[55\].
        GetEventActionAttributes(event::GetEventActionAttributesResponse<'a>),
        /// reportEventActionStatus \[56\].
        ReportEventActionStatus(event::ReportEventActionStatusResponse),
        /// defineEventEnrollment \[57\].
        DefineEventEnrollment(event::DefineEventEnrollmentResponse),
        /// deleteEventEnrollment \[58\].
        DeleteEventEnrollment(event::DeleteEventEnrollmentResponse),
        /// alterEventEnrollment \[59\].
        AlterEventEnrollment(event::AlterEventEnrollmentResponse),
        /// reportEventEnrollmentStatus \[60\].
        ReportEventEnrollmentStatus(event::ReportEventEnrollmentStatusResponse),
        /// getEventEnrollmentAttributes \[61\].
        GetEventEnrollmentAttributes(event::GetEventEnrollmentAttributesResponse<'a>),
        /// acknowledgeEventNotification \[62\].
        AcknowledgeEventNotification(event::AcknowledgeEventNotificationResponse),
        /// getAlarmSummary \[63\].
        GetAlarmSummary(event::GetAlarmSummaryResponse<'a>),
        /// getAlarmEnrollmentSummary \[64\].
        GetAlarmEnrollmentSummary(event::GetAlarmEnrollmentSummaryResponse<'a>),
        /// readJournal \[65\].
        ReadJournal(journal::ReadJournalResponse<'a>),
        /// writeJournal \[66\].
        WriteJournal(journal::WriteJournalResponse),
        /// initializeJournal \[67\].
        InitializeJournal(journal::InitializeJournalResponse),
        /// reportJournalStatus \[68\].
        ReportJournalStatus(journal::ReportJournalStatusResponse<'a>),
        /// createJournal \[69\].
        CreateJournal(journal::CreateJournalResponse),
        /// deleteJournal \[70\].
        DeleteJournal(journal::DeleteJournalResponse),
        /// getCapabilityList \[71\].
        GetCapabilityList(vmd::GetCapabilityListResponse<'a>),
        /// fileOpen \[72\].
        FileOpen(file::FileOpenResponse<'a>),
        /// fileRead \[73\].
        FileRead(file::FileReadResponse<'a>),
        /// fileClose \[74\].
        FileClose(file::FileCloseResponse),
        /// fileRename \[75\].
        FileRename(file::FileRenameResponse),
        /// fileDelete \[76\].
        FileDelete(file::FileDeleteResponse),
        /// fileDirectory \[77\].
        FileDirectory(file::FileDirectoryResponse<'a>),
    }
);

service_choice!(
    /// `UnconfirmedService` (ISO 9506-2 §7.3).
    UnconfirmedService {
        /// informationReport \[0\].
        InformationReport(variables::InformationReport<'a>),
        /// unsolicitedStatus \[1\].
        UnsolicitedStatus(vmd::UnsolicitedStatus),
        /// eventNotification \[2\].
        EventNotification(event::EventNotification<'a>),
    }
);
