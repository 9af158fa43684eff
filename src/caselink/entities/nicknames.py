"""A small shipped table of English given-name nicknames: nickname -> the formal names it shortens.

Deliberately short and conservative: only forms in everyday British use. A nickname may shorten
several formal names (``pat`` -> patrick, patricia); resolution treats two first names as
compatible when their sets of possible formal names intersect.
"""

from __future__ import annotations

_GROUPS: dict[str, tuple[str, ...]] = {
    "alexander": ("alex", "sandy", "xander", "al"), "alexandra": ("alex", "lexi", "sandra", "sandy"),
    "andrew": ("andy", "drew"), "anthony": ("tony", "ant"), "benjamin": ("ben", "benny", "benji"),
    "catherine": ("cath", "cathy", "kate", "katie"), "charles": ("charlie", "chas", "chuck"),
    "charlotte": ("lottie", "charlie"), "christine": ("chris", "tina", "chrissie"),
    "christopher": ("chris", "kit"), "daniel": ("dan", "danny"), "danielle": ("dani",),
    "david": ("dave", "davey", "davy"), "deborah": ("debbie", "deb", "debs"), "dominic": ("dom",),
    "edward": ("ed", "eddie", "ted", "ned"), "elizabeth": ("liz", "beth", "lizzie", "betty", "eliza"),
    "frederick": ("fred", "freddie"), "gabriel": ("gabe",), "harold": ("harry", "hal"),
    "harry": ("harold", "hal"), "henry": ("harry", "hal"), "jacqueline": ("jackie",),
    "james": ("jim", "jimmy", "jamie"), "jennifer": ("jen", "jenny"), "jessica": ("jess",),
    "john": ("jack", "johnny"), "jonathan": ("jon", "jonny"), "joseph": ("joe", "joey"),
    "katherine": ("kate", "katie", "kath", "kathy"), "kevin": ("kev",), "margaret": ("maggie", "peggy", "meg"),
    "matthew": ("matt",), "michael": ("mike", "mick", "mikey"), "mohammed": ("mo", "mohamed", "muhammad"),
    "amelia": ("millie",), "natalie": ("nat",), "nicholas": ("nick", "nicky"), "patricia": ("pat", "trish"),
    "patrick": ("pat", "paddy"), "peter": ("pete",), "rebecca": ("becky", "becca"),
    "richard": ("rick", "dick", "richie", "rich"), "robert": ("bob", "rob", "bobby", "robbie"),
    "samantha": ("sam", "sammy"), "samuel": ("sam", "sammy"), "stephen": ("steve", "stevie"),
    "steven": ("steve", "stevie"), "susan": ("sue", "susie"), "thomas": ("tom", "tommy"),
    "victoria": ("vicky", "tori"), "william": ("bill", "will", "billy", "liam"),
}

#: every name in the table -> the formal names it may stand for (a formal name maps to itself too)
FORMAL: dict[str, frozenset[str]] = {}
for _formal, _shorts in _GROUPS.items():
    FORMAL[_formal] = FORMAL.get(_formal, frozenset()) | {_formal}
    for _short in _shorts:
        FORMAL[_short] = FORMAL.get(_short, frozenset()) | {_formal}


def formal_names(first: str) -> tuple[str, ...]:
    """The sorted formal names a normalised first name may stand for, itself included.

    >>> formal_names("steve")
    ('stephen', 'steve', 'steven')
    """
    if not first:
        return ()
    return tuple(sorted(FORMAL.get(first, frozenset()) | {first}))
