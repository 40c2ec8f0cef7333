"""Written personas for the survey benchmarks (no mining stage exists yet).

Sentences describe everyday behaviour, high or low on one Big Five trait, and
avoid IPIP-50 item wording. ``throughput_personas`` combines an introduction
with one sentence per trait (about 80 words); ``sensitivity_pairs`` makes pairs
of short personas that differ in one trait only.
"""

from __future__ import annotations

import random

INTROS = [
    ("Maria", "a 34-year-old nurse in Cleveland"),
    ("Tom", "a 52-year-old bus driver in Leeds"),
    ("Aisha", "a 27-year-old pharmacist in Toronto"),
    ("Jonas", "a 41-year-old carpenter in Hamburg"),
    ("Priya", "a 23-year-old graduate student in Austin"),
    ("Luis", "a 38-year-old chef in Seville"),
    ("Grace", "a 61-year-old retired teacher in Melbourne"),
    ("Kenji", "a 30-year-old software tester in Osaka"),
    ("Fatima", "a 45-year-old accountant in Lyon"),
    ("Daniel", "a 19-year-old warehouse worker in Ohio"),
    ("Elena", "a 57-year-old librarian in Bucharest"),
    ("Sam", "a 33-year-old plumber in Glasgow"),
    ("Nadia", "a 29-year-old dental hygienist in Denver"),
    ("Peter", "a 66-year-old farmer in Iowa"),
    ("Chloe", "a 25-year-old barista in Portland"),
    ("Omar", "a 48-year-old taxi driver in Cairo"),
    ("Hannah", "a 36-year-old veterinarian in Bristol"),
    ("Marco", "a 42-year-old electrician in Turin"),
    ("Yuki", "a 31-year-old graphic designer in Sapporo"),
    ("Rosa", "a 54-year-old school cook in Lima"),
]

# trait -> (high sentences, low sentences); "{n}" is the person's name
BANK = {
    "EXT": (
        [
            "{n} spends most weekends hosting barbecues and inviting the neighbours over.",
            "{n} chats with strangers in every queue and usually leaves with a new phone number.",
            "{n} signs up for every karaoke night and is always first on the stage.",
            "{n} gets restless after a day alone and calls friends to go out.",
            "{n} organises the office trivia team and loves being loud and cheering.",
            "{n} joins every club at the community centre and greets everyone by name.",
            "{n} fills every silence at dinner with stories and jokes that make the table laugh.",
            "{n} would rather go dancing with a big group than stay in on a Friday.",
            "{n} volunteers to give the toast at every wedding and enjoys the applause.",
            "{n} turns a trip to the grocery store into an hour of catching up with people.",
        ],
        [
            "{n} spends most weekends at home alone with a book and prefers it that way.",
            "{n} avoids small talk with strangers and wears headphones on the bus.",
            "{n} would never sing in front of others and skips office parties.",
            "{n} feels drained after a few hours with people and needs a quiet evening to recover.",
            "{n} eats lunch alone at the desk and rarely joins group outings.",
            "{n} keeps a small circle of two old friends and does not look for more.",
            "{n} says little at family dinners and listens while others talk.",
            "{n} would rather stay in on a Friday than go to a crowded bar.",
            "{n} dreads giving speeches and asks someone else to make the toast.",
            "{n} shops early in the morning so as to meet as few people as possible.",
        ],
    ),
    "EST": (
        [
            "{n} stays calm when plans fall apart and just finds another way.",
            "{n} sleeps well even before big exams or job interviews.",
            "{n} shrugs off criticism from the boss and moves on with the day.",
            "{n} stays even-tempered in traffic jams and rarely raises their voice.",
            "{n} handled a recent layoff with steady patience and no panic.",
            "{n} keeps a level head in emergencies and others lean on that calm.",
            "{n} rarely feels down for long and bounces back quickly after setbacks.",
            "{n} does not lie awake thinking about bills or deadlines.",
            "{n} feels the same steady mood from Monday to Sunday.",
            "{n} can laugh off a missed flight and simply books the next one.",
        ],
        [
            "{n} panics when plans fall apart and often ends up in tears.",
            "{n} lies awake for nights before any exam or interview.",
            "{n} broods for days over a single critical remark from the boss.",
            "{n} snaps at other drivers in traffic and stays upset for hours.",
            "{n} fell apart for weeks after a recent layoff and still feels shaky.",
            "{n} freezes in emergencies and feels overwhelmed by pressure.",
            "{n} often feels low and anxious without knowing why.",
            "{n} keeps checking the bank balance at night, sick with fear about bills.",
            "{n} swings from cheerful to gloomy several times a day.",
            "{n} was shaking and furious for a whole day after a missed flight.",
        ],
    ),
    "AGR": (
        [
            "{n} drives elderly neighbours to the doctor without being asked.",
            "{n} always lets others choose the restaurant and is happy to go along.",
            "{n} gives generously to charity and trusts people to do the right thing.",
            "{n} listens patiently to friends' problems for hours on the phone.",
            "{n} apologises first after an argument even when not at fault.",
            "{n} bakes cakes for colleagues' birthdays and remembers every one.",
            "{n} treats waiters and cleaners with warmth and tips well.",
            "{n} forgives quickly and never holds a grudge.",
            "{n} comforts crying children on the bus and helps lost tourists.",
            "{n} shares the last slice of pizza and checks that everyone has eaten.",
        ],
        [
            "{n} refuses to help neighbours and says they should sort out their own problems.",
            "{n} insists on choosing the restaurant and sulks if overruled.",
            "{n} never gives to charity and assumes most people are out to cheat.",
            "{n} hangs up when friends start talking about their problems.",
            "{n} never apologises after an argument and likes to win at any cost.",
            "{n} forgets colleagues' birthdays and finds such things a waste of time.",
            "{n} is curt with waiters and complains loudly to get discounts.",
            "{n} holds grudges for years and enjoys getting even.",
            "{n} rolls their eyes at crying children and ignores lost tourists.",
            "{n} grabs the last slice of pizza without asking anyone else.",
        ],
    ),
    "CSN": (
        [
            "{n} plans meals for the whole week every Sunday and sticks to the plan.",
            "{n} pays every bill the day it arrives and keeps receipts in labelled folders.",
            "{n} arrives ten minutes early to every appointment.",
            "{n} finishes work tasks days before the deadline.",
            "{n} makes the bed every morning and keeps the kitchen spotless.",
            "{n} keeps a detailed budget spreadsheet and checks it every evening.",
            "{n} never misses a gym session and logs every workout.",
            "{n} double-checks every form before signing it.",
            "{n} keeps promises without fail, even small ones.",
            "{n} packs for trips a week in advance using a checklist.",
        ],
        [
            "{n} decides what to eat at the last minute and often orders takeaway.",
            "{n} forgets to pay bills until the reminder letters pile up.",
            "{n} turns up late to most appointments and sometimes forgets them.",
            "{n} leaves work tasks until the night before and often misses deadlines.",
            "{n} leaves dirty dishes for days and clothes on the floor.",
            "{n} has no idea where the money goes each month.",
            "{n} buys gym memberships and stops going after a week.",
            "{n} signs forms without reading them and fixes mistakes later.",
            "{n} often forgets promises made to friends.",
            "{n} packs for trips ten minutes before leaving and forgets the charger.",
        ],
    ),
    "OPN": (
        [
            "{n} reads philosophy and physics books for fun on weekends.",
            "{n} paints, writes poems and tries a new art form every year.",
            "{n} loves foreign films and travels to taste unfamiliar food.",
            "{n} spends evenings debating theories about the universe with friends.",
            "{n} visits museums in every city and learns a little of each language.",
            "{n} invents new recipes and experiments with strange ingredients.",
            "{n} listens to jazz, opera and experimental music.",
            "{n} takes online courses in history and astronomy just out of curiosity.",
            "{n} keeps notebooks full of story plots and inventions.",
            "{n} enjoys puzzling over big questions about meaning and the mind.",
        ],
        [
            "{n} never reads books and finds art galleries boring.",
            "{n} has no interest in painting, poetry or anything artistic.",
            "{n} only watches familiar TV shows and eats the same dishes every week.",
            "{n} finds talk about theories pointless and prefers practical topics.",
            "{n} has never visited a museum and sees no reason to.",
            "{n} cooks the same five meals and dislikes trying new food.",
            "{n} listens only to the radio station from school days.",
            "{n} sees no point in learning anything that is not needed for the job.",
            "{n} finds daydreaming a waste of time and sticks to routines.",
            "{n} avoids discussions about big questions and calls them nonsense.",
        ],
    ),
}
TRAITS = list(BANK)


def throughput_personas(k: int = 20, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(k):
        name, who = INTROS[i % len(INTROS)]
        parts = [f"{name} is {who}."]
        extra = rng.choice(TRAITS)
        for t in TRAITS:
            bank = BANK[t][0] if rng.random() < 0.5 else BANK[t][1]
            for s in rng.sample(bank, 2 if t == extra else 1):
                parts.append(s.format(n=name))
        out.append((f"w{i + 1:02d}", " ".join(parts)))
    return out


def sensitivity_pairs(pairs_per_trait: int = 10) -> list[dict]:
    """Pairs of short personas: same intro, two sentences high vs low in one trait."""
    rows = []
    for t in TRAITS:
        hi, lo = BANK[t]
        for i in range(pairs_per_trait):
            name, who = INTROS[(i + 3 * TRAITS.index(t)) % len(INTROS)]
            j = (i + 1) % len(hi)
            for level, bank in (("high", hi), ("low", lo)):
                text = f"{name} is {who}. " + bank[i].format(n=name) + " " + bank[j].format(n=name)
                rows.append(
                    {
                        "persona_id": f"{t}-{i:02d}-{level}",
                        "trait": t,
                        "pair": i,
                        "level": level,
                        "persona": text,
                    }
                )
    return rows


def emit(lines: list[str], results=None) -> str:
    """Print the benchmark's figures and, if ``results`` is a path, save them there."""
    from pathlib import Path

    text = "\n".join(lines)
    print(text)
    if results:
        results = Path(results)
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(text + "\n")
    return text
