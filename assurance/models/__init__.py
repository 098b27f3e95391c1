"""Compliance (frameworks, assessments, evidence) and visit templates."""

# Shared with the quality board packs; kept importable from here for the compliance code.
from assurance.models.compliance import (
    DONE_STATUSES,
    IN_FORCE_OR_CLOSED,
    PID_WARNING,
    Assessment,
    BoardWorkbookJob,
    Deadline,
    Evidence,
    EvidenceLink,
    EvidenceLinkQuerySet,
    EvidenceQuerySet,
    Framework,
    FrameworkAction,
    FrameworkStatus,
    Requirement,
    RequirementAssessment,
    RequirementAssessmentQuerySet,
    Status,
    Verification,
    evidence_upload_to,
    framework_source_upload_to,
    overdue_action_plan,
)
from assurance.models.visit_templates import (
    VisitTemplate,
    VisitTemplateLine,
    VisitTemplateSection,
)
from lmns.models import ExportStatus

__all__ = [
    "DONE_STATUSES",
    "IN_FORCE_OR_CLOSED",
    "PID_WARNING",
    "Assessment",
    "BoardWorkbookJob",
    "Deadline",
    "Evidence",
    "EvidenceLink",
    "EvidenceLinkQuerySet",
    "EvidenceQuerySet",
    "ExportStatus",
    "Framework",
    "FrameworkAction",
    "FrameworkStatus",
    "Requirement",
    "RequirementAssessment",
    "RequirementAssessmentQuerySet",
    "Status",
    "Verification",
    "VisitTemplate",
    "VisitTemplateLine",
    "VisitTemplateSection",
    "evidence_upload_to",
    "framework_source_upload_to",
    "overdue_action_plan",
]

# External concerns, CQC ratings and oversight levels live in their own package; loading
# them here registers them.
# Maturity assessments (the local learning system's, and any other an LMNS adopts) too.
from assurance.maturity.models import (  # noqa: F401
    MaturityDescriptor,
    MaturityDomain,
    MaturityLevel,
    MaturityModel,
    MaturityRound,
    MaturityScore,
)
from assurance.oversight.models import (  # noqa: F401
    CqcMaternityRating,
    ExternalConcern,
    OversightDecision,
)

# Saving Babies' Lives v3 (MIS safety action 6) lives in its own package too.
from assurance.sbl.models import (  # noqa: F401
    SblAnswer,
    SblAssessment,
    SblElement,
    SblIntervention,
)

# Assurance visits, their reports and recommendations too.
from assurance.visits.models import (  # noqa: F401
    Finding,
    KeyLineOfEnquiry,
    Recommendation,
    RecommendationUpdate,
    StaffFeedback,
    Visit,
    VisitReport,
    VisitTeamMember,
)
