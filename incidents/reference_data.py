"""Starting reference data, loaded by a migration and editable in the admin afterwards.

Incident types: the UK maternity review-trigger lists (shared/domain.md §4.7, tagged
[P]: headline seen, detail recalled) plus typical additions ([M]), and from December 2026
intrapartum stillbirth (MNSI's criteria) and late fetal loss (PMRT's scope), with stillbirths
in their own group rather than under neonatal (migration 0011 brings older installs in line).
Themes: a starting vocabulary recalled from common SSIG and PQSM reporting ([M]). Correct them
in the admin when the published guidance is read; inactive entries stay on old records.
"""

TRIGGER_LIST = "UK maternity trigger lists (domain.md 4.7) [P]"
RECALLED = "Typical maternity review trigger (domain.md 4.7) [M]"
MNSI_CRITERIA = "MNSI referral criteria (domain.md 4.4, 11) [V]"
PMRT_SCOPE = "PMRT scope (domain.md 4.5, 11) [V]"

INCIDENT_TYPES = [
    ("maternal", "Major obstetric haemorrhage (over 1,500 mL)", TRIGGER_LIST),
    ("maternal", "Amniotic fluid embolism", TRIGGER_LIST),
    ("maternal", "Maternal cardiac arrest", TRIGGER_LIST),
    ("maternal", "Eclampsia or severe pre-eclampsia", TRIGGER_LIST),
    ("maternal", "Uterine rupture", TRIGGER_LIST),
    ("maternal", "Uterine inversion", TRIGGER_LIST),
    ("maternal", "Severe maternal sepsis", TRIGGER_LIST),
    ("maternal", "Peripartum hysterectomy", TRIGGER_LIST),
    ("maternal", "Placenta accreta or praevia complication", TRIGGER_LIST),
    ("maternal", "Venous thromboembolism or pulmonary embolism", TRIGGER_LIST),
    ("maternal", "Anaesthetic complication", TRIGGER_LIST),
    ("maternal", "Maternal admission to ITU or HDU", TRIGGER_LIST),
    ("maternal", "Acute fatty liver of pregnancy", TRIGGER_LIST),
    ("maternal", "Shoulder dystocia", TRIGGER_LIST),
    ("maternal", "Third or fourth-degree perineal tear", TRIGGER_LIST),
    ("maternal", "Failed instrumental birth", TRIGGER_LIST),
    ("maternal", "Retained swab or instrument", TRIGGER_LIST),
    ("maternal", "Unplanned maternal readmission", TRIGGER_LIST),
    ("maternal", "Maternal death", TRIGGER_LIST),
    ("maternal", "Cord prolapse", RECALLED),
    ("maternal", "Undiagnosed breech presentation in labour", RECALLED),
    ("fetal", "Stillbirth", TRIGGER_LIST),
    ("fetal", "Intrapartum stillbirth", MNSI_CRITERIA),
    ("fetal", "Late fetal loss (22+0 to 23+6 weeks)", PMRT_SCOPE),
    ("neonatal", "Unexpected term admission to the neonatal unit", TRIGGER_LIST),
    ("neonatal", "Neonatal death", RECALLED),
    ("neonatal", "Apgar score below 7 at 5 minutes", RECALLED),
    ("neonatal", "Low cord pH", RECALLED),
    ("neonatal", "Neonatal seizures", RECALLED),
    ("neonatal", "Hypoxic-ischaemic encephalopathy or therapeutic cooling", RECALLED),
    ("neonatal", "Birth injury", RECALLED),
    ("service", "Medication error", TRIGGER_LIST),
    ("service", "Inadequate staffing", TRIGGER_LIST),
    ("service", "Delayed emergency response", RECALLED),
    ("service", "Equipment failure", RECALLED),
]

# The types that are a death (of the mother, or of the baby before or after birth): an incident
# of one of them is graded fatal, or says why not (migration 0015 marks them; the admin can
# mark an LMNS's own).
DEATH_TYPES = [
    "Maternal death",
    "Stillbirth",
    "Intrapartum stillbirth",
    "Late fetal loss (22+0 to 23+6 weeks)",
    "Neonatal death",
]

THEMES = [
    (
        "Fetal monitoring",
        "Intermittent auscultation and CTG interpretation, fresh eyes, escalation of concerns.",
    ),
    ("Escalation and situational awareness", "Recognising when to call for help and whom to call."),
    ("Communication and handover", "Handover between staff, shifts, teams and settings."),
    ("Staffing and acuity", "Staffing against acuity, supernumerary coordinator, 1:1 care in labour."),
    ("Recognition of deterioration", "Early warning scores (MEOWS, NEWTT) and responding to them."),
    ("Guideline adherence", "Care that departed from local or national guidance."),
    (
        "Risk assessment and place of birth",
        "Risk assessment at every contact, including intended place of birth.",
    ),
    ("Induction of labour", "Scheduling, delays and monitoring during induction."),
    ("Obstetric emergencies and skills drills", "PROMPT-style multidisciplinary emergency skills."),
    ("Medication safety", "Prescribing, administration and monitoring of medicines."),
    ("Equipment and environment", "Availability and function of equipment; the care environment."),
    ("Documentation", "Completeness and timeliness of records."),
    ("Equity and personalised care", "Interpreters, ethnicity, deprivation and personalised care plans."),
    ("Involving families", "Listening to women and families; duty of candour; family engagement in reviews."),
    ("Teamwork and human factors", "Team working, workload, distraction and the SEIPS work system."),
    ("Transitional care and avoiding term admissions", "ATAIN: keeping mothers and babies together."),
    ("Saving Babies' Lives care bundle", "The six elements of Saving Babies' Lives version 3."),
    ("Postnatal care", "Care after birth, in hospital and at home."),
    ("Bereavement care", "Care of families after a pregnancy loss or the death of a baby."),
]
