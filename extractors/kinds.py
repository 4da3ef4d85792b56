"""The five compliance document kinds, and the papers that look like them, described as data.

One description per kind: what staff call it, its fields and their value types, the fields a decision
rests on, the kinds it is confused with, and the cues that tell it on a page — its titles and form
names, the statements its content must carry (a certificate states insurers, policy numbers, limits
and dates; a determination letter states exemption under a 501(c) subsection; a clearance names a
person and a result), and the words of its look-alikes that rule it out. The classifier
(extractors.classify) scores pages with these tables; readers and the review desk may share the rest.

The vocabulary comes from the real documents of each kind — ACORD 25 editions (2010/05, 2014/01,
2016/03, 2025/12) and agency-software prints of them, carriers' own certificates, evidence-of-coverage
letters and memoranda of insurance; IRS Letters 947, 1045, 5436, affirmation letters (4168) and older
typewritten letters; city and state license certificates, registrations and wallet cards; county and
city temporary food permits; clearance letters, e-mails, cards and badges from district HR and
fingerprinting offices, state background-check units and screening vendors — and their look-alikes:
EIN notices (CP 575, Letter 147C), IRS forms and returns, state charity registrations, property and
auto insurance papers, applications, consent forms, receipts and blank forms.

To add a wording: put the phrase in the kind's cues (title weight if it is printed as a title).
To add a look-alike: add a `negatives` cue to the kind it imitates (veto=True when printed as a title it
rules the kind out) or a new "other:<what>" kind below; the classifier needs no change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.model import FIELDS_BY_TYPE


@dataclass(frozen=True, slots=True)
class Cue:
    """A phrase (or regex over the normalized text when `regex`) that speaks for a kind.

    Text is normalized before matching: upper case, every run of punctuation a single space
    ("$1,000,000" reads "1 000 000", "501(c)(3)" reads "501 C 3"). `title` weight applies when the
    phrase is printed as a title (top of the page, most of its line).
    """

    text: str
    body: float
    title: float | None = None
    regex: bool = False
    first: bool = True  # marks a document's first page (False: typical of continuation pages)
    veto: bool = False  # (negatives) printed as a title, it rules the kind out: "... APPLICATION"
    name: str = ""  # how the evidence names a pattern cue ("limit amounts"); the phrase itself if empty
    content: bool = False  # states what a document of the kind is for (a clearance's result): a first page


@dataclass(frozen=True, slots=True)
class Kind:
    name: str  # a DOC_TYPES value, or "other:<what>" for things that are not one of the five
    cues: tuple[Cue, ...]
    vocab: frozenset[str] = frozenset()
    vocab_weight: float = 0.0
    negatives: tuple[Cue, ...] = ()  # cues that say "this is not really that kind" (application ...)
    # what the kind cannot be without (a food permit names food or a health authority); one must be found
    requires: tuple[Cue, ...] = ()
    requires_what: str = ""


@dataclass(frozen=True, slots=True)
class FieldReading:
    """How a configured reader (extractors.configured) finds one field with the shared label -> value core.

    Tried in order: `known` printed names (an issuer's own name anywhere on the page), the `labels` (value to
    the right, under or over the label), then `sentences`. For a date a sentence is the cue the date follows
    ('valid through ...'); for a name or text it is a pattern whose group `v` is the value ('This certifies
    that <name> has ...'). Patterns are case-insensitive over a page's running text.
    """

    field: str
    value: str  # person | text | start_date | end_date
    labels: tuple[str, ...] = ()
    not_before: tuple[str, ...] = ()  # a word right after the label that makes it another label
    not_after: tuple[str, ...] = ()  # a word right before it that does
    directions: tuple[str, ...] = ("right", "below", "above")
    sentences: tuple[str, ...] = ()
    known: tuple[str, ...] = ()  # patterns over normalized text (upper case, punctuation as spaces)
    shared: str = ""  # "expiry" | "issue": add the shared label family and sentence cue of labelvalue
    # an end date printed only as a length ('Valid for 2 years'): a pattern with group `n` (years), counted
    # from the field named second
    lasts: tuple[str, str] | None = None
    not_values: tuple[str, ...] = ()  # words a value never holds (a card's own captions read as a name)


@dataclass(frozen=True, slots=True)
class ReaderConfig:
    """A reader made of configuration: its fields, and the (start, end) fields that form a period."""

    fields: tuple[FieldReading, ...]
    period: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class KindDescription:
    """What a person knows about one of the kinds."""

    name: str
    what: str  # what staff call it
    fields: tuple[str, ...]
    value_types: dict[str, str]  # field -> text, name, person, date, money, ein, enum, bool, rating, id
    decision_critical: tuple[str, ...]
    must_state: str  # the content a filled document of the kind carries (shown when it is missing)
    confused_with: tuple[str, ...]
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> label wordings
    reader: ReaderConfig | None = None  # a kind read by configuration alone (no reader module of its own)


def _c(
    text: str,
    body: float,
    title: float | None = None,
    *,
    regex: bool = False,
    first: bool = True,
    veto: bool = False,
    name: str = "",
    content: bool = False,
) -> Cue:
    return Cue(text, body, title, regex, first, veto, name, content)


def _v(words: str) -> frozenset[str]:
    return frozenset(words.split())


# ------------------------------------------------------------------ content patterns (normalized text)
# an amount of a limit: 1 000 000 / 500 000 / 2 000 000 (commas and $ are gone after normalizing)
AMOUNT = r"\b\d{1,3}(?: \d{3}){1,3}\b"
LIMIT_WORDS = (
    r"(?:EACH OCCUR|OCCURRENCE|OCCURENCE|AGGREGATE|EACH ACCIDENT|PER OCCURRENCE|PER CLAIM|COMBINED SINGLE|"
    r"LIMITS? OF)"
)


# Billing papers imitate every kind (a premium invoice, a screening vendor's invoice, a fee statement)
BILLING: tuple[Cue, ...] = (
    _c(r"\bINVOICE\b", 3, 6, regex=True, veto=True),
    _c("STATEMENT OF ACCOUNT", 3, 6, veto=True),
    _c("BILL TO", 2),
    _c("AMOUNT DUE", 2),
    _c("BALANCE DUE", 2),
    _c("PAYMENT DUE", 1.5),
    _c("PLEASE REMIT", 2),
)
# A message that sends or asks for a document names it; it is not the document
SENDS: tuple[Cue, ...] = (
    _c("PLEASE FIND ATTACHED", 3),
    _c("PLEASE FIND ENCLOSED", 3),
    _c(r"\bATTACHED (?:IS|ARE|PLEASE FIND)\b|\bI VE ATTACHED\b|\bI HAVE ATTACHED\b", 2, regex=True, name="attached is"),
)
MESSAGE: tuple[Cue, ...] = (
    *SENDS,
    _c("YOU REQUESTED", 1.5),
    _c("LET ME KNOW", 1.5),
    _c(r"\bFROM .{1,80}\bTO .{1,120}\bSUBJECT\b", 1, regex=True, name="e-mail header"),
)

# ------------------------------------------------------------------ the five kinds

COI = Kind(
    "coi",
    (
        # titles of the ACORD 25 editions, carriers' own certificates, evidence letters and memoranda
        _c("CERTIFICATE OF LIABILITY INSURANCE", 4, 7),
        _c("CERTIFICATE OF INSURANCE", 1, 4),
        _c("CERTIFICATE OF GENERAL LIABILITY INSURANCE", 3, 6),
        _c("EVIDENCE OF INSURANCE", 0.5, 3),
        _c("EVIDENCE OF COVERAGE", 1, 4),
        _c("EVIDENCE OF LIABILITY INSURANCE", 2, 5),
        _c("MEMORANDUM OF INSURANCE", 2, 5),
        _c("CONFIRMATION OF COVERAGE", 1, 4),
        _c("CONFIRMATION OF INSURANCE", 1, 4),
        _c("PROOF OF INSURANCE", 1, 3),
        _c("PROOF OF LIABILITY INSURANCE", 2, 5),
        _c("STATEMENT OF INSURANCE", 1, 4),
        _c("INSURANCE CERTIFICATE", 1, 4),
        _c("LIABILITY INSURANCE CERTIFICATE", 2, 5),
        _c("SPECIAL EVENT INSURANCE", 1.5, 4),
        _c(r"\bACORD ?25\b", 3, regex=True),
        _c("ACORD CORPORATION", 2),
        _c("INSURER S AFFORDING COVERAGE", 3),
        _c("INSURERS AFFORDING COVERAGE", 3),
        _c("COMPANIES AFFORDING COVERAGE", 3),
        _c("CERTIFICATE IS PROVIDED AS INFORMATION ONLY", 3),
        _c("ISSUED AS A MATTER OF INFORMATION ONLY", 3),
        _c("AS A MATTER OF INFORMATION ONLY", 2),
        _c("NO RIGHTS TO THE CERTIFICATE HOLDER", 2),
        _c("CONFERS NO RIGHTS UPON THE CERTIFICATE HOLDER", 2),
        _c("DOES NOT AMEND EXTEND OR ALTER THE COVERAGE", 2),
        _c("AMEND EXTEND OR ALTER", 1.5),
        _c("CERTIFICATE HOLDER", 1.5),
        _c("DESCRIPTION OF OPERATIONS", 2),
        _c("EACH OCCURRENCE", 1.5),
        _c("GENERAL AGGREGATE", 1.5),
        _c("GENERAL LIABILITY", 1),
        _c("LIMITS OF LIABILITY", 1),
        _c("LIMITS OF INSURANCE", 1),
        _c("POLICY PERIOD", 0.5),
        _c("POLICY EFF", 1),
        _c("POLICY EXP", 1),
        _c("POLICY NUMBER", 0.5),
        _c("NAMED INSURED", 1),
        _c("CERTIFICATE NUMBER", 1),
        _c("REVISION NUMBER", 1),
        _c("ABOVE DESCRIBED POLICIES BE CANCELLED", 2),
        _c("AUTHORIZED REPRESENTATIVE", 1),
        _c(r"\bNAIC\b", 1, regex=True),
        _c(r"\bPRODUCER\b", 1, regex=True),
        _c(r"\b(?:A ?M )?BEST\b.{0,20}\bRAT(?:ED|ING)\b|\bRATED A\b", 1, regex=True, name="A.M. Best rating"),
        # content a filled certificate carries: limit amounts by their limit words, a policy period
        _c(rf"{AMOUNT} (?:[A-Z]+ )?{LIMIT_WORDS}|{LIMIT_WORDS}(?: [A-Z]+){{0,3}} {AMOUNT}", 2, regex=True,
           name="limit amounts"),
        _c(r"\b(?:IS|ARE) (?:INSURED|COVERED) (?:UNDER|BY)\b|\bPOLICIES (?:LISTED|SHOWN|DESCRIBED) BELOW\b", 1.5,
           regex=True, name="coverage statement"),
        _c(r"\bINSURANCE (?:SHOWN|LISTED|DESCRIBED) BELOW\b|\bIN FORCE\b", 1, regex=True, name="insurance in force"),
        # pages that continue a certificate: endorsements and remarks schedules
        _c("THIS ENDORSEMENT CHANGES THE POLICY", 4, first=False),
        _c("THIS ENDORSEMENT MODIFIES THE POLICY", 4, first=False),
        _c("PLEASE READ IT CAREFULLY", 2, first=False),
        _c("PLEASE REVIEW IT CAREFULLY", 2, first=False),
        _c("CHANGES THE INSURANCE PROVIDED UNDER", 2, first=False),
        _c("DESIGNATED PERSON OR ORGANIZATION", 2, first=False),
        _c("ADDITIONAL INSURED", 1, first=False),
        _c("COVERAGE PART", 1.5, first=False),
        _c("WHO IS AN INSURED", 2, first=False),
        _c("WAIVER OF TRANSFER OF RIGHTS OF RECOVERY", 2, first=False),
        _c("PRIMARY AND NONCONTRIBUTORY", 1.5, first=False),
        _c("ADDITIONAL REMARKS SCHEDULE", 1, 4, first=False),
        _c("ADDITIONAL REMARKS FORM IS A SCHEDULE", 3, first=False),
        _c(r"\bACORD ?101\b", 3, regex=True, first=False),
        _c("INSURANCE SERVICES OFFICE", 2, first=False),
        _c(r"\bC ?G ?\d\d ?\d\d\b", 1.5, regex=True, first=False),
    ),
    _v(
        "CERTIFICATE LIABILITY INSURANCE INSURER INSURED PRODUCER NAIC AGGREGATE OCCURRENCE POLICY "
        "HOLDER CANCELLATION UMBRELLA AUTOMOBILE WORKERS COMPENSATION SUBROGATION ENDORSEMENT "
        "DESCRIPTION OPERATIONS PREMISES REPRESENTATIVE EXCESS COVERAGES EMPLOYERS RETENTION AUTOS"
    ),
    7,
    (
        _c("INSURANCE IDENTIFICATION CARD", 6, 8, veto=True),
        _c("INSURANCE ID CARD", 6, 8, veto=True),
        _c("AUTOMOBILE LIABILITY INSURANCE CARD", 6, 8, veto=True),
        _c("PROOF OF AUTO INSURANCE", 6, 8, veto=True),
        # property certificates and evidences (ACORD 24, 27, 28): insurance, not of liability
        _c("PROPERTY INSURANCE", 2, 8, veto=True),
        _c("EVIDENCE OF COMMERCIAL PROPERTY", 6, 8, veto=True),
        _c(r"\bACORD ?2[478]\b", 4, regex=True, name="ACORD 24/27/28"),
        _c("HOMEOWNERS", 1.5),
        _c("MORTGAGEE", 2),
        _c("LOSS PAYEE", 1.5),
        _c(r"\bAPPLICATION\b(?! (?:NO|NUMBER|DATE|ID)\b)", 2, 5, regex=True, veto=True),
        _c("REQUEST FOR CERTIFICATE", 3, 6, veto=True),
        # quotes and proposals show carriers, limits and dates of coverage not bought yet
        _c(r"\bQUOTE\b|\bQUOTATION\b|\bPROPOSAL\b|\bINDICATION\b", 2, 6, regex=True, veto=True,
           name="quote / proposal"),
        _c(r"\bTOTAL PREMIUM\b|\bESTIMATED PREMIUM\b|\bPREMIUM SUMMARY\b", 2, regex=True, name="premium"),
        _c(r"\bNOT A BINDER\b|\bDOES NOT BIND\b|\bSUBJECT TO UNDERWRITING\b", 3, regex=True, name="not bound"),
        _c("INSURANCE REQUIREMENTS", 1, 5, veto=True),
        *BILLING,
        *MESSAGE,
    ),
    requires=(_c(r"INSUR|\bPOLICY\b|\bPOLICIES\b|\bCOVERAGE\b", 0, regex=True),),
    requires_what="insurance, policy or coverage",
)

# a Form 990 return's title, not the letter's line 'Form 990 / 990-EZ / 990-N required: Yes'
_FORM_990 = r"\bFORM 990(?: ?(?:N|EZ|PF))?\b(?! REQUIRED)(?! 990)"

NONPROFIT_LETTER = Kind(
    "nonprofit_letter",
    (
        _c("INTERNAL REVENUE SERVICE", 1.5, 3),
        _c("DEPARTMENT OF THE TREASURY", 1.5, 3),
        _c("EMPLOYER IDENTIFICATION NUMBER", 2),
        _c("EMPLOYER ID NUMBER", 2),
        _c("DEAR APPLICANT", 2),
        _c("EXEMPT FROM FEDERAL INCOME TAX", 3, first=False),
        _c("DETERMINATION LETTER", 1.5, first=False),
        _c(r"\bWE (?:HAVE )?DETERMINED\b", 1.5, regex=True, first=False),
        _c(r"\bRECOGNI[SZ]ED AS (?:TAX )?EXEMPT\b", 2, regex=True, first=False, name="recognized as exempt"),
        _c("AFFIRMATION OF YOUR TAX EXEMPT STATUS", 3, first=False),
        _c(r"\bSECTION 501 ?C\b", 2, regex=True, first=False),
        _c(r"\b501 ?C ?\d{1,2}\b", 1, regex=True, first=False),
        _c("TAX EXEMPT AND GOVERNMENT ENTITIES", 2),
        _c("PUBLIC CHARITY STATUS", 2),
        _c("EFFECTIVE DATE OF EXEMPTION", 2),
        _c("CONTRIBUTION DEDUCTIBILITY", 2),
        _c("FORM 990 REQUIRED", 2),
        _c(r"\bCINCINNATI OH 452\d\d\b", 2, regex=True),
        _c(r"\bOGDEN UT 84\d\d\d\b", 2, regex=True),
        _c(r"\bCOVINGTON KY 410\d\d\b", 1.5, regex=True),
        # IRS letters about the EIN: typed as the IRS letter they are; they state no 501(c) exemption,
        # which the rules report (and documents.py never lets a subsection stand on them)
        _c(r"\bCP ?575 ?[A-Z]?\b", 3, regex=True, name="CP 575"),
        _c("WE ASSIGNED YOU AN EMPLOYER IDENTIFICATION NUMBER", 3),
        _c(r"\bLETTER 147 ?C\b", 3, regex=True, name="Letter 147C"),
        _c("DATE OF THIS NOTICE", 2),
        _c(r"\bLETTERS? \d{3,4}\b", 1.5, regex=True, first=False),
        _c("EXEMPT ORGANIZATIONS", 1.5, first=False),
        _c("RULINGS AND AGREEMENTS", 2, first=False),
        _c(r"\bDLN\b", 1, regex=True),
        _c("PRIVATE FOUNDATION", 1, first=False),
        _c("CONTRIBUTIONS TO YOU ARE DEDUCTIBLE", 2, first=False),
        _c(r"\bSECTION 527\b", 1, regex=True, first=False),
        _c(r"\bFORM 8871\b", 1, regex=True),
        _c(r"\bFORM 1023\b", 1, regex=True, first=False),
        _c("EXEMPT STATUS", 1.5, first=False),
    ),
    _v(
        "INTERNAL REVENUE SERVICE TREASURY EMPLOYER IDENTIFICATION EXEMPT EXEMPTION SECTION CODE "
        "CONTRIBUTIONS DEDUCTIBLE FOUNDATION CHARITY DETERMINATION CINCINNATI APPLICANT IRS"
    ),
    6,
    (
        # IRS forms and returns, and state charity papers: not a letter stating the exemption
        _c(r"\bRETURN OF ORGANIZATION EXEMPT FROM INCOME TAX\b", 6, 8, regex=True, veto=True),
        _c("ELECTRONIC NOTICE E POSTCARD", 6, 8, veto=True),
        _c(_FORM_990, 1, 4, regex=True, veto=True, name="Form 990"),
        _c("APPLICATION FOR RECOGNITION OF EXEMPTION", 6, 8, veto=True),
        _c(r"\bFORM W ?9\b", 4, 6, regex=True, veto=True),
        _c(r"\bFORM (?:1099(?: [A-Z]{3,4})?|W ?2|W ?3|941|1096|1098)\b", 4, 6, regex=True, veto=True, name="tax form"),
        _c("REQUEST FOR TAXPAYER IDENTIFICATION NUMBER", 6, 8, veto=True),
        _c(r"\bOMB NO\b", 2, regex=True),
        _c(r"\bSCHEDULE [A-Z] FORM\b", 2, regex=True, name="Schedule (Form)"),
        _c("CHARITABLE ORGANIZATION REGISTRATION", 6, 8, veto=True),
        _c("CHARITABLE SOLICITATION", 4, 6, veto=True),
        _c("REGISTRY OF CHARITABLE TRUSTS", 6, 8, veto=True),
        _c("ATTORNEY GENERAL", 2, 4),
        _c("TAX EXEMPTION CERTIFICATE", 3, 6, veto=True),
        _c("SALES TAX", 1.5, 5, veto=True),
        _c(r"\bWE CHARGED YOU A PENALTY\b|\bPENALTY (?:CHARGE|FOR FILING)\b", 4, regex=True, name="a penalty"),
        _c(r"\bWE CHANGED YOUR (?:RETURN|ACCOUNT)\b|\bYOU OWE\b|\bPAY THE AMOUNT DUE\b", 4, regex=True,
           name="an amount owed"),
        _c("TAX PERIOD", 1.5),
        _c("GROSS RECEIPTS", 2),
        *BILLING,
        *MESSAGE,
    ),
    requires=(_c(r"\bIRS\b|INTERNAL REVENUE|TREASURY|\b501|EXEMPT|EMPLOYER ID", 0, regex=True),),
    requires_what="IRS, Treasury, exemption or EIN",
)

BUSINESS_LICENSE = Kind(
    "business_license",
    (
        _c("BUSINESS LICENSE", 2, 6),
        _c("BUSINESS REGISTRATION", 1.5, 5),
        _c("CERTIFICATE OF BUSINESS REGISTRATION", 2, 6),
        _c("BUSINESS REGISTRATION CERTIFICATE", 2, 6),
        _c("BUSINESS TAX REGISTRATION", 2, 6),
        _c("BUSINESS TAX CERTIFICATE", 2, 6),
        _c("TAX REGISTRATION CERTIFICATE", 2, 5),
        _c("CERTIFICATE OF REGISTRATION", 1, 4),
        _c("LICENSE CERTIFICATE", 1, 4),
        _c("BUSINESS TAX", 1.5, 4),
        _c("OCCUPATIONAL LICENSE", 2, 5),
        _c("MERCANTILE LICENSE", 2, 5),
        _c("GENERAL BUSINESS LICENSE", 2, 6),
        _c("LICENSE TO DO BUSINESS", 2, 5),
        _c("LICENSE NO", 2),
        _c("LICENSE NUMBER", 2),
        _c("LICENSE ID", 1.5),
        _c("ACCOUNT NUMBER", 0.5),
        _c("REGISTRATION NO", 1.5),
        _c("REGISTRATION NUMBER", 1.5),
        _c("THIS CERTIFIES THAT", 1),
        _c("CONDUCT BUSINESS", 2),
        _c("ENGAGE IN BUSINESS", 2),
        _c(r"\b(?:LICENSED|AUTHORIZED|PERMITTED) TO (?:CONDUCT|ENGAGE|OPERATE|DO BUSINESS)\b", 2, regex=True,
           name="licensed to do business", content=True),
        _c("BUSINESS NAME", 1.5),
        _c("DOING BUSINESS AS", 1),
        _c("BUSINESS LOCATION", 1),
        _c("BUSINESS LICENSING", 2),
        _c("UNIFIED BUSINESS ID", 2),
        _c(r"\bUBI\b", 1, regex=True),
        _c("CONSPICUOUS", 1.5),
        _c("POST IN A CONSPICUOUS PLACE", 2),
        _c("NOT TRANSFERABLE", 1),
        _c("ISSUE DATE", 1),
        _c("TRADE NAME", 1.5),
        _c("LICENSING RESTRICTIONS", 1.5),
        _c("LICENSEE", 1.5),
        _c(r"\bLIC(?:ENSE)? (?:NO |NUMBER |ID )?\d", 1.5, regex=True, name="license number"),
        _c(r"\bDISPLAY (?:AT|IN|THIS)\b", 1, regex=True, name="display this"),
        _c("TREASURER AND TAX COLLECTOR", 1.5),
        _c(r"\bCLERK S OFFICE\b|\bCITY CLERK\b", 1, regex=True),
    ),
    _v(
        "BUSINESS LICENSE REGISTRATION CERTIFIES REGISTERED CONDUCT LICENSING EXPIRES EXPIRATION "
        "ISSUED CERTIFICATE LICENSED ENDORSEMENTS"
    ),
    4,
    (
        _c("FILING RECEIPT", 6, 8, veto=True),
        _c(r"\bRECEIPT\b", 2, 3, regex=True, veto=True),
        _c("GOOD STANDING", 6, 8, veto=True),
        _c("CERTIFICATE OF EXISTENCE", 6, 8, veto=True),
        _c("ARTICLES OF INCORPORATION", 6, 8, veto=True),
        _c("ARTICLES OF ORGANIZATION", 6, 8, veto=True),
        _c("ANNUAL REPORT", 3, 6, veto=True),
        _c("SECRETARY OF STATE", 2),
        _c("CONFIRMATION NUMBER", 2),
        _c("THANK YOU FOR FILING", 3),
        _c("YOU WILL RECEIVE YOUR", 3),
        _c("APPLIED FOR", 2),
        _c(r"\bAPPLICATION\b(?! (?:NO|NUMBER|DATE|ID)\b)", 2, 4, regex=True, veto=True),
        _c("RENEWAL NOTICE", 3, 6, veto=True),
        _c(r"\bSELLER S PERMIT\b|\bSALES TAX PERMIT\b|\bRESALE (?:CERTIFICATE|PERMIT)\b|"
           r"\bCERTIFICATE OF AUTHORITY\b", 4, 6, regex=True, veto=True, name="sales tax permit"),
        _c(r"\bLIQUOR\b|\bALCOHOL(?:IC)? BEVERAGE\b", 3, 6, regex=True, veto=True, name="liquor license"),
        _c("NOT A LICENSE", 6),
        _c("CHARITABLE ORGANIZATION REGISTRATION", 6, 8, veto=True),
        _c("CHARITABLE SOLICITATION", 4, 6, veto=True),
        *BILLING,
        *MESSAGE,
    ),
)

HEALTH_PERMIT = Kind(
    "health_permit",
    (
        _c("TEMPORARY FOOD SERVICE PERMIT", 4, 7),
        _c("TEMPORARY FOOD ESTABLISHMENT PERMIT", 4, 7),
        _c("TEMPORARY FOOD ESTABLISHMENT", 2, 5),
        _c("TEMPORARY FOOD EVENT PERMIT", 4, 7),
        _c("TEMPORARY EVENT FOOD PERMIT", 4, 7),
        _c("SPECIAL EVENT FOOD PERMIT", 4, 7),
        _c("FOOD VENDOR PERMIT", 2, 5),
        _c("FOOD SERVICE PERMIT", 2, 5),
        _c("FOOD ESTABLISHMENT PERMIT", 2, 5),
        _c("TEMPORARY FOOD PERMIT", 2, 5),
        _c("HEALTH PERMIT", 2, 5),
        _c("PERMIT TO OPERATE A FOOD", 3, 6),
        _c("FOOD PERMIT", 1, 3),
        _c("ENVIRONMENTAL HEALTH", 2),
        _c("HEALTH DEPARTMENT", 1),
        _c("DEPARTMENT OF HEALTH", 1),
        _c("PUBLIC HEALTH", 1),
        _c("CONSUMER HEALTH", 1),
        _c("FOOD PROTECTION", 1),
        _c("FOOD SAFETY", 1),
        _c("PERMIT NO", 2),
        _c("PERMIT NUMBER", 2),
        _c("PERMIT ID", 1.5),
        _c("PERMITTEE", 2),
        _c("PERMIT HOLDER", 1.5),
        _c("VALID FROM", 1.5),
        _c("VALID THROUGH", 1.5),
        _c("VALID UNTIL", 1.5),
        _c("VALID FOR", 1),
        _c("EVENT DATES", 1.5),
        _c("EVENT NAME", 1.5),
        _c("FEE PAID", 1),
        _c("THIS PERMIT", 1),
        _c("PERMIT TO OPERATE", 2, 4),
        _c("TEMPORARY EVENT", 1.5),
        _c("TEMPORARY FOOD SERVICE", 2, 4),
        _c("TEMPORARY FOOD", 1),
        _c(r"\bFOOD (?:BOOTH|STAND|VENDOR|SERVICE)\b", 1, regex=True),
    ),
    _v(
        "TEMPORARY FOOD PERMIT PERMITTEE ENVIRONMENTAL HEALTH VALID FROM THROUGH EVENT LOCATION FEE "
        "PAID ISSUED SPECIALIST ESTABLISHMENT SERVICE INSPECTOR"
    ),
    6,
    (
        _c(r"\bAPPLICATION\b(?! (?:NO|NUMBER|DATE|ID)\b)", 3, 6, regex=True, veto=True),
        _c(r"\bAPPLICANT\b", 1.5, regex=True),
        _c("PLEASE PRINT", 1.5),
        _c("PLEASE COMPLETE", 1.5),
        _c("SIGNATURE OF APPLICANT", 2),
        _c("APPLICANT SIGNATURE", 2),
        _c("MUST BE SUBMITTED", 1.5),
        _c("FOOD HANDLER", 3, 6, veto=True),
        _c("FOOD MANAGER", 3, 6, veto=True),
        _c("INSPECTION REPORT", 4, 6, veto=True),
        _c("SELF INSPECTION", 3, 6, veto=True),
        _c("GUIDELINES", 1, 4, veto=True),
        _c("REQUIREMENTS FOR", 1, 4, veto=True),
        *BILLING,
        *MESSAGE,
    ),
    requires=(_c(r"\bFOOD|\bHEALTH\b|\bSANITA|\bENVIRONMENTAL\b|\bCONSUMER PROTECTION\b", 0, regex=True),),
    requires_what="food or a health authority",
)

BACKGROUND_CHECK = Kind(
    "background_check",
    (
        _c("BACKGROUND CHECK", 2, 5),
        _c("BACKGROUND SCREENING", 2, 5),
        _c("BACKGROUND CLEARANCE", 2, 5),
        _c("FINGERPRINT", 2, 3),
        _c("CLEARANCE NOTICE", 3, 4),
        _c("BACKGROUND CHECK UNIT", 2),
        _c(r"\bCLEARED\b", 2, regex=True),
        _c(r"\bCLEARANCE\b", 1, regex=True),
        _c("COMMUNITY PARTNER", 1.5),
        _c("CLEARANCE DATE", 1.5),
        _c("HUMAN RESOURCES", 1),
        _c("BACKGROUND INVESTIGATION", 2, 4),
        _c("CRIMINAL HISTORY", 1.5),
        _c("CRIMINAL BACKGROUND", 1.5),
        _c("CRIMINAL RECORD", 1),
        _c("VOLUNTEER CLEARANCE", 2, 4),
        _c("CLEARANCE LETTER", 2, 4),
        _c("CLEARANCE CARD", 2, 4),
        _c("IDENTITY VERIFIED", 1),
        _c("DEPARTMENT OF PUBLIC SAFETY", 1.5),
        _c(r"\bDPS\b", 0.5, regex=True),
        _c(r"\bFBI\b", 1, regex=True),
        _c(r"\bLIVE ?SCAN\b", 1.5, regex=True),
        _c("SCREENING RESULTS", 2, 4),
        _c("BACKGROUND CHECK RESULTS", 3, 5),
        _c("ELIGIBILITY", 1),
        _c(r"\bVOLUNTEER BADGE\b|\bVOLUNTEER ID\b|\bVISITOR BADGE\b", 1.5, 3, regex=True, name="volunteer badge"),
        # the result a clearance states about its person
        _c(r"\b(?:HAS|HAVE) (?:BEEN )?(?:CLEARED|APPROVED)\b|\bIS (?:NOW )?(?:CLEARED|ELIGIBLE|APPROVED)\b|"
           r"\bARE (?:NOW )?(?:CLEARED|ELIGIBLE)\b", 2, regex=True,
           name="result: cleared", content=True),
        _c(r"\b(?:NOT ELIGIBLE|INELIGIBLE|DISQUALIFIED|NOT CLEARED)\b", 1.5, regex=True,
           name="result: not eligible", content=True),
        _c(r"\bSTATUS (?:CLEARED|ELIGIBLE|APPROVED|PENDING|NOT)\b|\bRESULT (?:CLEARED|ELIGIBLE|APPROVED|CLEAR)\b",
           2, regex=True, name="status result", content=True),
        _c(r"\bELIGIBLE TO (?:VOLUNTEER|WORK|SERVE)\b", 2, regex=True, content=True),
        _c(r"\b(?:APPROVED|CLEARED) TO (?:VOLUNTEER|WORK|SERVE)\b", 2, regex=True, content=True),
        _c(r"\bBACKGROUND (?:CHECK|SCREENING) (?:IS )?COMPLETE", 1.5, regex=True),
        _c(r"\bSCREENING\b", 1.5, regex=True),
        _c(r"\bSCREENING (?:IS )?COMPLETE\b", 1.5, regex=True),
        _c("VOLUNTEER APPROVAL", 2, 4),
    ),
    _v(
        "BACKGROUND CHECK FINGERPRINT CLEARANCE CLEARED EXPIRES COMMUNITY PARTNER VOLUNTEER HUMAN "
        "RESOURCES STATUS NOTICE"
    ),
    5,
    (
        _c("AUTHORIZATION AND RELEASE", 4, 6, veto=True),
        _c("DISCLOSURE AND AUTHORIZATION", 4, 6, veto=True),
        _c("CONSENT FORM", 4, 6, veto=True),
        _c(r"\bI HEREBY AUTHORIZE\b", 3, regex=True),
        _c(r"\bAPPLICATION\b(?! (?:NO|NUMBER|DATE|ID)\b)", 1, 4, regex=True, veto=True),
        _c("APPOINTMENT CONFIRMATION", 4, 6, veto=True),
        _c("SCHEDULE YOUR APPOINTMENT", 3, 5, veto=True),
        _c("FINGERPRINT CARD FD 258", 4, 6, veto=True),
        _c("REQUEST FORM", 2, 4, veto=True),
        *BILLING,
        *SENDS,  # clearances come as e-mails: only a message that sends one is not one
    ),
    requires=(_c(r"BACKGROUND|FINGERPRINT|CLEAR|SCREEN|CRIMINAL|ELIGIB|\bDPS\b|\bFBI\b", 0, regex=True),),
    requires_what="background check, fingerprints, screening or a result",
)


# CPR / First Aid cards and certificates: American Red Cross, American Heart Association (BLS, Heartsaver,
# eCards), National Safety Council, ASHI / HSI / MEDIC First Aid, ECSI and similar; wallet cards, eCards and
# printed certificates. Their look-alikes: class registrations and confirmations, rosters, food-handler cards.
CPR_ISSUERS = (
    r"\bAMERICAN RED CROSS\b",
    r"\bAMERICAN HEART ASSOCIATION\b",
    r"\bNATIONAL SAFETY COUNCIL\b",
    r"\bAMERICAN SAFETY (?:AND )?HEALTH INSTITUTE\b",
    r"\bHEALTH (?:AND )?SAFETY INSTITUTE\b",
    r"\bEMERGENCY CARE (?:AND )?SAFETY INSTITUTE\b",
    r"\bMEDIC FIRST AID\b",
    r"\bAMERICAN ACADEMY OF PEDIATRICS\b",
    r"\bAMERICAN SAFETY TRAINING INSTITUTE\b",
    r"\bNATIONAL CPR FOUNDATION\b",
    r"\bPRO ?CPR\b",
    r"\bASHI\b",
    r"\bECSI\b",
)

CPR_CERTIFICATE = Kind(
    "cpr_certificate",
    (
        _c(r"\bCPR\b", 2, 4, regex=True),
        _c("CARDIOPULMONARY RESUSCITATION", 3, 5),
        _c(r"\bFIRST AID\b", 2, 4, regex=True),
        _c(r"\bAED\b", 1.5, regex=True),
        _c("AUTOMATED EXTERNAL DEFIBRILLATOR", 2),
        _c("BASIC LIFE SUPPORT", 3, 5),
        _c(r"\bBLS\b", 1.5, 4, regex=True),
        _c("HEARTSAVER", 3, 5),
        _c("ADULT AND PEDIATRIC", 1.5),
        _c(r"\bPEDIATRIC FIRST AID\b", 1.5, regex=True),
        _c(r"\bECARD\b|\bE CARD\b", 1.5, regex=True, name="eCard"),
        _c("RECOMMENDED RENEWAL DATE", 3),
        _c(r"\bCERTIFICATE OF COMPLETION\b", 1, 3, regex=True),
        _c(r"\bCERTIFICATION CARD\b|\bCOURSE COMPLETION CARD\b|\bPROVIDER CARD\b", 2, 4, regex=True,
           name="certification card"),
        _c("TRAINING CENTER", 1.5),
        _c("TRAINING SITE", 1),
        _c(r"\bINSTRUCTOR\b", 1, regex=True),
        _c(r"\b(?:HAS )?SUCCESSFULLY COMPLETED\b", 1.5, regex=True, content=True),
        _c(r"\bCOGNITIVE AND SKILLS\b|\bSKILLS EVALUATIONS?\b", 1.5, regex=True),
        _c(r"\bVALID FOR (?:\d|ONE|TWO|THREE) YEARS?\b", 2, regex=True, content=True, name="valid for N years"),
        _c("AMERICAN RED CROSS", 2, 4),
        _c("AMERICAN HEART ASSOCIATION", 2, 4),
        _c("NATIONAL SAFETY COUNCIL", 2, 4),
        _c(r"\bASHI\b|\bAMERICAN SAFETY (?:AND )?HEALTH INSTITUTE\b|\bHEALTH (?:AND )?SAFETY INSTITUTE\b", 2,
           regex=True, name="ASHI / HSI"),
        _c("EMERGENCY CARE AND SAFETY INSTITUTE", 2, 4),
        _c("MEDIC FIRST AID", 2, 4),
    ),
    _v(
        "CPR AED FIRST AID RESUSCITATION CARDIOPULMONARY HEARTSAVER CERTIFICATION CERTIFIED RENEWAL INSTRUCTOR "
        "TRAINING COURSE COMPLETED ADULT CHILD INFANT PEDIATRIC LIFE SUPPORT"
    ),
    5,
    (
        _c(r"\bREGISTRATION (?:CONFIRMATION|FORM)\b|\bCLASS REGISTRATION\b|\bCOURSE REGISTRATION\b", 4, 6,
           regex=True, veto=True, name="class registration"),
        _c(r"\bYOU ARE REGISTERED\b|\bYOUR CLASS IS\b|\bCLASS SCHEDULE\b|\bUPCOMING CLASS\b", 3, regex=True,
           name="class booking"),
        _c(r"\bCOURSE ROSTER\b|\bCLASS ROSTER\b|\bROSTER\b", 3, 6, regex=True, veto=True, name="roster"),
        _c(r"\bAPPLICATION\b(?! (?:NO|NUMBER|DATE|ID)\b)", 2, 5, regex=True, veto=True),
        _c("FOOD HANDLER", 4, 6, veto=True),
        _c(r"\bRECEIPT\b|\bINVOICE\b", 2, 4, regex=True, veto=True),
        _c(r"\bPRICE\b|\bTUITION\b", 1.5, regex=True),
    ),
)

# ------------------------------------------------------------------ things that are not one of the five

OTHER_KINDS: tuple[Kind, ...] = (
    Kind(
        "other:cpr_class",  # a CPR / First Aid class booked, rostered or paid for: not a card
        (
            _c(r"\bREGISTRATION (?:CONFIRMATION|FORM)\b|\bCLASS REGISTRATION\b|\bCOURSE REGISTRATION\b", 5, 7,
               regex=True, name="class registration"),
            _c(r"\bYOU ARE REGISTERED\b|\bYOUR CLASS IS\b|\bCLASS SCHEDULE\b|\bUPCOMING CLASS\b", 4,
               regex=True, name="class booking"),
            _c(r"\bCOURSE ROSTER\b|\bCLASS ROSTER\b", 5, 7, regex=True, name="roster"),
            _c(r"\bWHAT TO BRING\b|\bPLEASE ARRIVE\b", 2, regex=True),
            _c(r"\bCPR\b|\bFIRST AID\b", 1, regex=True),
        ),
    ),
    Kind(
        "other:fax_cover",
        (
            _c("FAX COVER", 5, 7),
            _c("COVER SHEET", 4, 6),
            _c("FACSIMILE", 2, 4),
            _c(r"\bFAX\b", 1, 3, regex=True),
            _c(r"\bTO\b", 0.5, regex=True),
            _c(r"\bFROM\b", 0.5, regex=True),
            _c(r"\bPAGES\b", 1.5, regex=True),
            _c("INCLUDING COVER", 3),
            _c(r"\bINCL COVER\b", 3, regex=True),
            _c("PLEASE REPLY", 1.5),
            _c("PLEASE RECYCLE", 1.5),
            _c("PLEASE COMMENT", 1.5),
            _c("FOR REVIEW", 1),
            _c("NUMBER OF PAGES", 2),
            _c("CONFIDENTIAL", 1),
            _c("TRANSMISSION", 1),
            _c(r"\bURGENT\b", 1, regex=True),
        ),
    ),
    Kind(
        "other:cover_letter",
        (
            _c(r"\bENCLOSED\b", 2, regex=True),
            _c("PLEASE FIND", 2),
            _c("TO WHOM IT MAY CONCERN", 2),
            _c(r"\bATTACHED\b", 1, regex=True),
            _c(r"\bSINCERELY\b", 1, regex=True),
            _c("THANK YOU", 1),
            _c(r"\bRE\b", 0.5, regex=True),
            *MESSAGE,
            _c(r"\bTHANKS\b|\bHELLO\b|\bHI\b", 1, regex=True, name="greeting"),
        ),
    ),
    Kind(
        "other:application",
        (
            _c("USE OF FACILITIES", 3, 5),
            _c(r"\bAPPLICATION\b", 2, 4, regex=True),
            _c(r"\bAPPLICANT\b", 1.5, regex=True),
            _c("PLEASE PRINT", 1),
            _c("SIGNATURE", 0.5),
        ),
    ),
    Kind(
        "other:consent_form",
        (
            _c("AUTHORIZATION AND RELEASE", 5, 7),
            _c("DISCLOSURE AND AUTHORIZATION", 5, 7),
            _c("CONSENT FORM", 5, 7),
            _c(r"\bI HEREBY (?:AUTHORIZE|CONSENT|RELEASE)\b", 3, regex=True, name="I hereby authorize"),
            _c(r"\bCONSENT\b", 1.5, 3, regex=True),
            _c("SIGNATURE", 0.5),
            _c("DATE OF BIRTH", 1),
        ),
    ),
    Kind(
        "other:vendor_form",
        (
            _c(r"\bVENDOR\b", 3, 4, regex=True),
            _c(r"\bPAYEE\b", 3, 4, regex=True),
            _c(r"\bW ?9\b", 2, regex=True),
            _c("TAXPAYER ID", 2),
            _c("NOT A TAX EXEMPTION CERTIFICATE", 4),
        ),
    ),
    Kind(
        "other:good_standing",
        (
            _c("GOOD STANDING", 5, 7),
            _c("CERTIFICATE OF EXISTENCE", 5, 7),
            _c("SECRETARY OF STATE", 2),
            _c("CORPORATIONS BUREAU", 2),
            _c("EXISTENCE", 1),
            _c("ARTICLES OF INCORPORATION", 4, 6),
            _c("ARTICLES OF ORGANIZATION", 4, 6),
            _c("ANNUAL REPORT", 2, 5),
        ),
    ),
    Kind(
        "other:receipt",
        (
            _c("FILING RECEIPT", 5, 7),
            _c(r"\bRECEIPT\b", 2, 3, regex=True),
            _c("CONFIRMATION", 1.5),
            _c("AMOUNT PAID", 1),
            _c("PAYMENT", 1),
            _c("THANK YOU FOR FILING", 3),
            _c("GRAND TOTAL", 2),
            _c("PAYMENT METHOD", 2),
            _c("PROCESSING FEE", 1.5),
            _c("APPLIED FOR", 2),
            _c("FILING DATE", 1.5),
            _c(r"\bINVOICE\b", 5, 7, regex=True, name="invoice"),
            _c("STATEMENT OF ACCOUNT", 5, 7),
            _c("BILL TO", 2),
            _c("AMOUNT DUE", 2),
            _c("BALANCE DUE", 2),
            _c("PAYMENT DUE", 1.5),
        ),
    ),
    Kind(
        "other:irs_notice",
        (
            _c(r"\bWE CHARGED YOU A PENALTY\b|\bPENALTY (?:CHARGE|FOR FILING)\b", 4, regex=True, name="a penalty"),
            _c(r"\bWE CHANGED YOUR (?:RETURN|ACCOUNT)\b|\bYOU OWE\b|\bPAY THE AMOUNT DUE\b", 4, regex=True,
               name="an amount owed"),
            _c("AMOUNT DUE", 2),
            _c("BALANCE DUE", 2),
            _c("TAX PERIOD", 1.5),
            _c(r"\bNOTICE CP ?\d{2,4}[A-Z]?\b", 1, regex=True, name="IRS notice number"),
        ),
    ),
    Kind(
        "other:auto_insurance",
        (
            _c("INSURANCE IDENTIFICATION CARD", 6, 8),
            _c("INSURANCE ID CARD", 6, 8),
            _c("AUTOMOBILE LIABILITY INSURANCE CARD", 6, 8),
            _c("PROOF OF AUTO INSURANCE", 6, 8),
            _c("ID CARD", 2, 4),
            _c(r"\bVIN\b", 2, regex=True),
            _c("YEAR MAKE MODEL", 2),
            _c(r"\bVEHICLES?\b", 1, regex=True),
            _c("KEEP THIS CARD", 2),
            _c("IN THE INSURED VEHICLE", 2),
            _c("COMMERCIAL AUTO", 2),
            _c("AUTO POLICY", 2),
            _c("POWER UNIT", 2),
            _c("DECLARATIONS PAGE", 1),
            _c("MOTOR TRUCK CARGO", 2),
            _c("UNDERWRITTEN BY", 1),
            _c("BODILY INJURY", 1),
            _c("COMBINED LIABILITY", 1),
            _c("EACH ACCIDENT", 0.5),
            _c("PERSONAL INJURY PROTECTION", 1.5),
            _c("UNINSURED MOTORIST", 1.5),
        ),
    ),
    Kind(
        "other:insurance_quote",
        (
            _c(r"\bQUOTE\b|\bQUOTATION\b|\bPROPOSAL\b|\bINDICATION\b", 3, 6, regex=True, name="quote / proposal"),
            _c(r"\bTOTAL PREMIUM\b|\bESTIMATED PREMIUM\b|\bPREMIUM SUMMARY\b", 2, regex=True, name="premium"),
            _c(r"\bNOT A BINDER\b|\bDOES NOT BIND\b|\bSUBJECT TO UNDERWRITING\b", 3, regex=True, name="not bound"),
            _c("VALID FOR 30 DAYS", 1.5),
        ),
    ),
    Kind(
        "other:property_insurance",
        (
            _c("CERTIFICATE OF PROPERTY INSURANCE", 6, 8),
            _c("EVIDENCE OF PROPERTY INSURANCE", 6, 8),
            _c("EVIDENCE OF COMMERCIAL PROPERTY INSURANCE", 6, 8),
            _c(r"\bACORD ?2[478]\b", 4, regex=True, name="ACORD 24/27/28"),
            _c("PROPERTY INSURANCE", 2, 4),
            _c("MORTGAGEE", 2),
            _c("LOSS PAYEE", 2),
            _c("HOMEOWNERS", 2),
            _c("CAUSES OF LOSS", 2),
            _c("BUILDING", 0.5),
            _c("DWELLING", 1.5),
        ),
    ),
    Kind(
        "other:irs_form",
        (
            _c("RETURN OF ORGANIZATION EXEMPT FROM INCOME TAX", 6, 8),
            _c("ELECTRONIC NOTICE E POSTCARD", 6, 8),
            _c("APPLICATION FOR RECOGNITION OF EXEMPTION", 6, 8),
            _c("REQUEST FOR TAXPAYER IDENTIFICATION NUMBER", 6, 8),
            _c(_FORM_990, 3, 5, regex=True, name="Form 990"),
            _c(r"\bFORM W ?9\b", 3, 5, regex=True),
            _c(r"\bFORM (?:1099(?: [A-Z]{3,4})?|W ?2|W ?3|941|1096|1098)\b", 4, 6, regex=True, name="tax form"),
            _c(r"\bPAYER S TIN\b|\bRECIPIENT S TIN\b|\bFOR CALENDAR YEAR\b", 2, regex=True, name="payer / recipient"),
            _c(r"\bFORM 1023\b", 1.5, 3, regex=True),
            _c(r"\bOMB NO\b", 2, regex=True),
            _c(r"\bSCHEDULE [A-Z]\b", 1, regex=True),
            _c("FOR PAPERWORK REDUCTION ACT NOTICE", 3),
            _c("UNDER PENALTIES OF PERJURY", 2),
            _c("TAX YEAR", 1),
        ),
    ),
    Kind(
        "other:charity_registration",
        (
            _c("CHARITABLE ORGANIZATION REGISTRATION", 6, 8),
            _c("CHARITABLE SOLICITATION", 4, 6),
            _c("REGISTRY OF CHARITABLE TRUSTS", 6, 8),
            _c("CHARITABLE ORGANIZATIONS", 2, 4),
            _c("ATTORNEY GENERAL", 2, 4),
            _c("CHARITIES PROGRAM", 3, 5),
            _c("CHARITIES", 1),
        ),
    ),
    Kind(
        "other:tax_certificate",
        (
            _c("TAX EXEMPTION CERTIFICATE", 4, 7),
            _c("SALES TAX", 2, 5),
            _c("GROSS RECEIPTS", 2, 4),
            _c("RESALE CERTIFICATE", 4, 7),
            _c("NONTAXABLE TRANSACTION", 3, 6),
            _c("TAXATION AND REVENUE", 2, 4),
        ),
    ),
)

KINDS: tuple[Kind, ...] = (
    COI, NONPROFIT_LETTER, BUSINESS_LICENSE, HEALTH_PERMIT, BACKGROUND_CHECK, CPR_CERTIFICATE, *OTHER_KINDS
)
KIND_BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}


# ------------------------------------------------------------------ IRS letters that are not determinations
# Letters about the EIN alone: the IRS assigning one (CP 575, old and new layouts) or confirming it
# (Letter 147C). They may mention 501(c)(3) only to say how to apply; they never state an exemption.
EIN_NOTICE = (
    r"\bCP ?575 ?[A-Z]?\b|\bLETTER 147 ?C\b|"
    r"\bWE ASSIGNED (?:YOU|YOUR ORGANIZATION|YOUR BUSINESS)(?: AN| THE)? EMPLOYER IDENTIFICATION NUMBER\b|"
    r"\bTHANK YOU FOR (?:APPLYING FOR|YOUR INQUIRY (?:OF|ON|ABOUT)) (?:AN |YOUR )?"
    r"(?:EMPLOYER IDENTIFICATION NUMBER|EIN)\b|"
    r"\bYOUR EMPLOYER IDENTIFICATION NUMBER (?:EIN )?IS\b|\bGETTING AN EIN DOES NOT MAKE\b|"
    r"\bUNTIL WE ISSUE A DETERMINATION LETTER\b"
)
# Acknowledgments of an exemption application: the IRS has not decided yet
APPLICATION_ACK = (
    r"\bWE RECEIVED YOUR (?:FORM 1023|FORM 1024|APPLICATION)\b|\bWE WILL CONTACT YOU WHEN WE COMPLETE\b|"
    r"\bYOUR APPLICATION IS (?:BEING|UNDER) (?:PROCESSED|REVIEW)\b"
)
# Notices about a return, a penalty or an amount owed
TAX_NOTICE = (
    r"\bWE CHARGED YOU A PENALTY\b|\bPENALTY (?:CHARGE|FOR FILING)\b|\bWE CHANGED YOUR (?:RETURN|ACCOUNT)\b|"
    r"\bYOU OWE\b|\bPAY THE AMOUNT DUE\b|\bAMOUNT DUE\b|\bBALANCE DUE\b"
)
NOT_DETERMINATIONS: tuple[tuple[str, str], ...] = (
    ("an IRS notice about the EIN (CP 575, Letter 147C)", EIN_NOTICE),
    ("an IRS acknowledgment of an exemption application", APPLICATION_ACK),
    ("an IRS notice about a return, a penalty or an amount owed", TAX_NOTICE),
)
# The sentence a determination (or affirmation) letter is written to state
STATES_EXEMPTION = (
    r"\bWE (?:HAVE )?DETERMINED (?:THAT )?YOU (?:ARE|RE) EXEMPT\b|\bYOU (?:ARE|RE|CONTINUE TO BE) EXEMPT FROM "
    r"FEDERAL INCOME TAX\b|(?<!TO BE )\bRECOGNI[SZ]ED (?:[A-Z]+ ){0,3}AS (?:TAX )?EXEMPT FROM\b|"
    r"\bIS EXEMPT FROM FEDERAL INCOME TAX UNDER\b|\bAFFIRM(?:ING|ATION OF)? YOUR TAX EXEMPT STATUS\b"
)

# ------------------------------------------------------------------ descriptions of the five

_DATE_LABELS = ("DATE", "DATED", "ISSUED", "ISSUE DATE", "DATE ISSUED", "DATE OF ISSUE")
_END_LABELS = (
    "POLICY EXP", "EXPIRATION DATE", "EXPIRES", "EXPIRATION", "EXP DATE", "TO", "THROUGH", "THRU",
    "VALID UNTIL", "VALID THROUGH", "VALID THRU", "GOOD THROUGH", "ENDS",
)
_START_LABELS = ("POLICY EFF", "EFFECTIVE DATE", "EFFECTIVE", "EFF DATE", "FROM", "VALID FROM", "BEGINS", "START")


# CPR cards: the card holder, the training organization, the course date and the end of validity. Cards say
# "Recommended Renewal Date" (American Heart Association) or "Valid for 2 years" (Red Cross, ASHI): on a CPR card
# the renewal date is the end of validity.
CPR_CARD_WORDS = (
    "course", "completion", "completed", "date", "card", "provider", "instructor", "training", "center", "cpr",
    "aed", "first", "aid", "certification", "certificate", "renewal", "issue", "issued", "expiration", "valid",
    "heart", "association", "red", "cross", "safety", "council", "institute", "life", "support", "basic",
    "heartsaver", "adult", "pediatric", "child", "infant", "program", "class", "site", "id", "number",
)
CPR_PERSON_LABELS = (
    "Name", "Student", "Participant", "Card Holder", "Cardholder",
    "Holder", "Recipient", "Rescuer", "Awarded To", "Presented To", "Issued To",
)
CPR_ISSUER_LABELS = (
    "Issued By", "Issuing Organization", "Certifying Organization", "Training Organization", "Training Provider",
    "Training Center", "Training Center Name", "Provider Organization",
)
CPR_ISSUE_LABELS = (
    "Issue Date", "Issued", "Date Issued", "Date of Issue", "Issued On", "Completion Date", "Date Completed",
    "Date of Completion", "Course Completion Date", "Course Date", "Class Date", "Certification Date",
    "Date Certified", "Training Date", "Course Completed", "Completed On", "Completed",
)
CPR_END_LABELS = (
    "Recommended Renewal Date", "Recommended Renewal", "Renewal Date", "Renewal Due", "Renew By", "Recertify By",
    "Valid Through", "Valid Thru", "Valid Until", "Expiration Date", "Expiration", "Expires", "Expires On",
    "Exp Date",
)
# ('Recertification Date' is left out: read with OCR's tolerance it is also 'Certification Date', the course date)

DESCRIPTIONS: dict[str, KindDescription] = {
    "coi": KindDescription(
        "coi",
        "certificate of liability insurance",
        FIELDS_BY_TYPE["coi"],
        {
            "insured_name": "name", "insured_address": "text", "insurer_name": "name", "am_best_rating": "rating",
            "gl_policy_number": "id", "gl_effective": "date", "gl_expiration": "date",
            "gl_each_occurrence": "money", "gl_aggregate": "money", "coverage_trigger": "enum",
            "umbrella_each_occurrence": "money", "umbrella_effective": "date", "umbrella_expiration": "date",
            "additional_insured_aps": "bool", "certificate_holder": "text", "description": "text",
            "issue_date": "date",
        },
        ("insured_name", "gl_each_occurrence", "gl_effective", "gl_expiration", "coverage_trigger",
         "additional_insured_aps", "am_best_rating"),
        "insurer(s), policy number(s), limits and policy dates",
        ("other:auto_insurance", "other:property_insurance", "other:insurance_quote", "other:application"),
        {
            "insured_name": ("INSURED", "NAMED INSURED", "NAME OF INSURED", "INSURED NAME"),
            "insurer_name": ("INSURER A", "INSURER", "CARRIER", "COMPANY", "INSURANCE COMPANY", "UNDERWRITER"),
            "gl_policy_number": ("POLICY NUMBER", "POLICY NO", "POLICY #", "POLICY"),
            "gl_effective": (*_START_LABELS, "POLICY PERIOD"),
            "gl_expiration": (*_END_LABELS, "POLICY PERIOD"),
            "gl_each_occurrence": ("EACH OCCURRENCE", "PER OCCURRENCE", "EACH OCCURRENCE LIMIT", "OCCURRENCE"),
            "gl_aggregate": ("GENERAL AGGREGATE", "AGGREGATE", "GENERAL AGGREGATE LIMIT"),
            "certificate_holder": ("CERTIFICATE HOLDER", "HOLDER", "ISSUED TO", "CERTIFICATE ISSUED TO"),
            "issue_date": _DATE_LABELS,
        },
    ),
    "nonprofit_letter": KindDescription(
        "nonprofit_letter",
        "IRS 501(c) determination letter",
        FIELDS_BY_TYPE["nonprofit_letter"],
        {"org_name": "name", "ein": "ein", "subsection": "enum", "letter_date": "date"},
        ("org_name", "ein", "subsection"),
        "exemption under section 501(c)(N) and an EIN",
        ("other:irs_form", "other:charity_registration", "other:tax_certificate", "other:vendor_form"),
        {
            "ein": ("EMPLOYER IDENTIFICATION NUMBER", "EMPLOYER ID NUMBER", "EIN"),
            "letter_date": ("DATE", "DATE OF THIS NOTICE", "LETTER DATE"),
        },
    ),
    "business_license": KindDescription(
        "business_license",
        "business license or registration",
        FIELDS_BY_TYPE["business_license"],
        {"business_name": "name", "license_number": "id", "issuer": "text", "issue_date": "date",
         "expiration_date": "date"},
        ("business_name", "issuer", "expiration_date"),
        "a business, a license number and its validity",
        ("other:receipt", "other:good_standing", "other:application", "other:charity_registration"),
        {
            "business_name": ("BUSINESS NAME", "LICENSEE", "DBA", "DOING BUSINESS AS", "TRADE NAME", "NAME"),
            "license_number": ("LICENSE NO", "LICENSE NUMBER", "LICENSE #", "REGISTRATION NO", "ACCOUNT NUMBER", "UBI"),
            "issue_date": _DATE_LABELS,
            "expiration_date": _END_LABELS,
        },
    ),
    "health_permit": KindDescription(
        "health_permit",
        "temporary food (health) permit",
        FIELDS_BY_TYPE["health_permit"],
        {"permittee": "name", "permit_number": "id", "issuer": "text", "event_name": "text",
         "valid_from": "date", "valid_to": "date"},
        ("issuer", "valid_from", "valid_to"),
        "a permittee or event, a health authority and dates",
        ("other:application", "other:receipt"),
        {
            "permittee": ("PERMITTEE", "PERMIT HOLDER", "OPERATOR", "VENDOR", "ESTABLISHMENT", "ISSUED TO"),
            "permit_number": ("PERMIT NO", "PERMIT NUMBER", "PERMIT #", "PERMIT ID"),
            "event_name": ("EVENT", "EVENT NAME", "NAME OF EVENT"),
            "valid_from": (*_START_LABELS, "EVENT DATES"),
            "valid_to": (*_END_LABELS, "EVENT DATES"),
        },
    ),
    "background_check": KindDescription(
        "background_check",
        "background-check clearance",
        FIELDS_BY_TYPE["background_check"],
        {"person_name": "person", "status": "enum", "clearance_date": "date", "expiration_date": "date"},
        ("person_name", "status", "expiration_date"),
        "a person and a result (cleared / eligible / approved / not eligible) from a background-check authority",
        ("other:consent_form", "other:application", "other:receipt"),
        {
            "person_name": ("NAME", "APPLICANT", "EMPLOYEE", "VOLUNTEER", "CARDHOLDER", "SUBJECT"),
            "status": ("STATUS", "RESULT", "DETERMINATION", "CLEARANCE STATUS", "ELIGIBILITY"),
            "clearance_date": ("CLEARANCE DATE", "DATE CLEARED", "DATE", "ISSUED", "PROCESSED"),
            "expiration_date": _END_LABELS,
        },
    ),
    "cpr_certificate": KindDescription(
        "cpr_certificate",
        "CPR / First Aid card or certificate",
        FIELDS_BY_TYPE["cpr_certificate"],
        {"person_name": "person", "issuer": "text", "issue_date": "date", "valid_through": "date"},
        ("person_name", "valid_through"),
        "a person, a CPR / First Aid course and its dates",
        ("other:cpr_class", "other:application", "other:receipt"),
        {
            "person_name": CPR_PERSON_LABELS,
            "issuer": CPR_ISSUER_LABELS,
            "issue_date": CPR_ISSUE_LABELS,
            "valid_through": CPR_END_LABELS,
        },
        ReaderConfig(
            (
                FieldReading(
                    "person_name", "person", CPR_PERSON_LABELS,
                    not_before=("name", "id", "number", "no", "signature", "email", "phone"),
                    not_after=("instructor", "center", "training", "course", "site", "organization", "class",
                               "company", "employer", "program", "evaluator", "director"),
                    not_values=CPR_CARD_WORDS,
                    sentences=(
                        r"\b(?:this\s+(?:is\s+to\s+)?certif(?:y|ies)\s+that|awarded\s+to|presented\s+to|"
                        r"certifies\s+that)\s+(?P<v>[A-Za-z][A-Za-z.'\u2019\- ,]{3,60}?)\s+(?:has|have|successfully|"
                        r"completed|is)\b",
                    ),
                ),
                FieldReading("issuer", "text", CPR_ISSUER_LABELS, known=CPR_ISSUERS, directions=("right", "below")),
                FieldReading(
                    "issue_date", "start_date", CPR_ISSUE_LABELS,
                    not_after=("renewal", "expiration", "birth"), shared="issue",
                    sentences=(r"\b(?:successfully\s+)?completed(?:\s+\w+){0,8}?\s+on\b",),
                ),
                FieldReading(
                    "valid_through", "end_date", CPR_END_LABELS, shared="expiry",
                    lasts=(
                        r"\bVALID\s+(?:FOR\s+)?(?P<n>\d|ONE|TWO|THREE)\s+(?:\(\d\)\s+)?YEARS?\b|"
                        r"\b(?P<n2>\d|ONE|TWO|THREE)[\s-]+YEAR\s+(?:CERTIFICATION|CARD|VALIDITY)\b",
                        "issue_date",
                    ),
                ),
            ),
            period=("issue_date", "valid_through"),
        ),
    ),
}

# Fields a decision rests on; when one is unread or read with low confidence, a person checks it.
DECISION_CRITICAL: dict[str, tuple[str, ...]] = {k: d.decision_critical for k, d in DESCRIPTIONS.items()}
