"""Names, nicknames, and the phone numbers Ofcom reserves for drama (never a real subscriber).

Names are drawn with Zipf-like weights, so common names ("John Smith") are shared by many distinct
people, as in real records.
"""

from __future__ import annotations

MALE: tuple[str, ...] = (
    "John", "David", "Michael", "James", "Paul", "Mark", "Daniel", "Robert", "Stephen", "Peter",
    "Andrew", "Richard", "Thomas", "Christopher", "William", "Anthony", "Matthew", "Joseph", "Mohammed",
    "Ahmed", "Samuel", "Benjamin", "Jonathan", "Edward", "Nicholas", "Kevin", "Gary", "Jack", "Harry",
    "Oliver", "Charlie", "George", "Alexander", "Adam", "Luke", "Ryan", "Liam", "Jamal", "Kwame",
    "Tunde", "Emeka", "Ali", "Omar", "Hassan", "Raj", "Sanjay", "Arjun", "Wei", "Jakub", "Piotr",
    "Tomasz", "Marcus", "Dean", "Lee", "Craig", "Wayne", "Darren", "Simon", "Patrick", "Sean",
    "Gabriel", "Jose", "Luis", "Carlos", "Ionut", "Andrei", "Mehmet", "Kofi", "Dominic", "Frederick",
)
FEMALE: tuple[str, ...] = (
    "Sarah", "Emma", "Laura", "Rebecca", "Jessica", "Hannah", "Sophie", "Charlotte", "Amy", "Rachel",
    "Elizabeth", "Katherine", "Victoria", "Jennifer", "Margaret", "Susan", "Patricia", "Helen", "Claire",
    "Nicola", "Michelle", "Lisa", "Karen", "Fatima", "Aisha", "Amina", "Priya", "Anjali", "Mei",
    "Olivia", "Amelia", "Isla", "Grace", "Chloe", "Ella", "Lucy", "Zainab", "Blessing", "Chioma",
    "Abena", "Agnieszka", "Magdalena", "Ana", "Maria", "Elena", "Ioana", "Ayse", "Deborah",
    "Samantha", "Alexandra", "Jacqueline", "Christine", "Natalie", "Danielle", "Kerry", "Gemma",
)
SURNAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Wilson", "Evans", "Thomas", "Johnson",
    "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
    "Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke", "Clark", "Turner", "Hill", "Scott",
    "Cooper", "Morris", "Ward", "Moore", "King", "Watson", "Baker", "Harrison", "Morgan", "Patel",
    "Young", "Allen", "Mitchell", "James", "Anderson", "Phillips", "Lee", "Bell", "Parker", "Davis",
    "Khan", "Ahmed", "Ali", "Hussain", "Begum", "Rahman", "Singh", "Kaur", "Shah", "Mistry",
    "Okafor", "Adeyemi", "Mensah", "Owusu", "Boateng", "Okonkwo", "Ibrahim", "Mohamed", "Hassan", "Osei",
    "Nowak", "Kowalski", "Wisniewski", "Popescu", "Ionescu", "Silva", "Santos", "Ferreira", "Costa",
    "Yilmaz", "Demir", "Chen", "Wang", "Li", "Zhang", "Nguyen", "Murphy", "O'Brien", "Kelly",
    "Byrne", "Ryan", "O'Connor", "Walsh", "McCarthy", "Campbell", "Stewart", "MacDonald", "Reid",
    "Fraser", "Marshall", "Chapman", "Ellis", "Fletcher", "Gibson", "Graham", "Hunt", "Kennedy",
    "Lawrence", "Mason", "Palmer", "Porter", "Richardson", "Russell", "Shaw", "Simpson", "Spencer",
    "Stevens", "Wells", "Webb", "West", "Barker", "Cole", "Dixon", "Fox", "Holmes", "Knight",
    "Lloyd", "Mills", "Newman", "Payne", "Pearce", "Rose", "Saunders", "Sutton", "Hardy", "Ashworth",
    "Fairbairn", "Lindqvist", "Marsh", "Okoro", "Abiodun", "Delacroix", "Ferraro", "Kaminski", "Vasquez",
)
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Stephen": ("Steve", "Stevie"), "Michael": ("Mike", "Mick"), "William": ("Bill", "Will", "Billy"),
    "Robert": ("Bob", "Rob", "Bobby"), "Richard": ("Rick", "Dick", "Richie"), "James": ("Jim", "Jimmy", "Jamie"),
    "Thomas": ("Tom", "Tommy"), "Christopher": ("Chris",), "Anthony": ("Tony", "Ant"), "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",), "Joseph": ("Joe", "Joey"), "Andrew": ("Andy", "Drew"), "Peter": ("Pete",),
    "David": ("Dave", "Davey"), "Samuel": ("Sam",), "Benjamin": ("Ben",), "Jonathan": ("Jon", "Jonny"),
    "Edward": ("Ed", "Eddie", "Ted"), "Nicholas": ("Nick", "Nicky"), "Alexander": ("Alex", "Sandy"),
    "Mohammed": ("Mo", "Mohamed", "Muhammad"), "Frederick": ("Fred", "Freddie"), "Dominic": ("Dom",),
    "Patrick": ("Pat", "Paddy"), "Gabriel": ("Gabe",), "Kevin": ("Kev",), "Harry": ("Harold", "Hal"),
    "Elizabeth": ("Liz", "Beth", "Lizzie"), "Katherine": ("Kate", "Katie", "Kath"), "Rebecca": ("Becky", "Becca"),
    "Jessica": ("Jess",), "Victoria": ("Vicky", "Tori"), "Jennifer": ("Jen", "Jenny"), "Margaret": ("Maggie", "Peggy"),
    "Susan": ("Sue", "Susie"), "Patricia": ("Pat", "Trish"), "Samantha": ("Sam",), "Alexandra": ("Alex", "Lexi"),
    "Jacqueline": ("Jackie",), "Christine": ("Chris", "Tina"), "Deborah": ("Debbie", "Deb"),
    "Natalie": ("Nat",), "Danielle": ("Dani",), "Charlotte": ("Lottie", "Charlie"), "Amelia": ("Millie",),
}
FIRST: tuple[str, ...] = MALE + FEMALE
N_MALE = len(MALE)

# Ofcom drama ranges: national significant number prefix, first suffix, count, and the digit
# grouping of the national form (with its leading 0).
PHONE_RANGES: tuple[tuple[str, int, int, tuple[int, ...]], ...] = (
    ("7700900", 0, 1000, (5, 6)), ("2079460", 0, 1000, (3, 4, 4)), ("1134960", 0, 1000, (4, 3, 4)),
    ("1144960", 0, 1000, (4, 3, 4)), ("1154960", 0, 1000, (4, 3, 4)), ("1164960", 0, 1000, (4, 3, 4)),
    ("1174960", 0, 1000, (4, 3, 4)), ("1184960", 0, 1000, (4, 3, 4)), ("1214960", 0, 1000, (4, 3, 4)),
    ("1314960", 0, 1000, (4, 3, 4)), ("1414960", 0, 1000, (4, 3, 4)), ("1514960", 0, 1000, (4, 3, 4)),
    ("1614960", 0, 1000, (4, 3, 4)), ("1914980", 0, 1000, (4, 3, 4)), ("2896496", 0, 1000, (3, 4, 4)),
    ("2920180", 0, 1000, (3, 4, 4)), ("1632960", 0, 1000, (5, 6)), ("3069990", 0, 1000, (5, 6)),
)
PHONE_POOL = sum(r[2] for r in PHONE_RANGES)
#: the last numbers of the pool are common numbers (switchboards), never a person's own
N_SWITCHBOARDS = 4


def phone_digits(index: int) -> tuple[str, tuple[int, ...]]:
    """The national significant number (no leading 0) of drama number ``index`` and its grouping."""
    for prefix, first, count, groups in PHONE_RANGES:
        if index < count:
            return prefix + f"{first + index:03d}", groups
        index -= count
    raise IndexError("phone pool exhausted")
