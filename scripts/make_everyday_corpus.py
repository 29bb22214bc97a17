#!/usr/bin/env python3
"""Writes tests/corpus/everyday/everyday.txt: things a medic and the squad say around a
casualty that are not facts about a casualty (radio procedure, counting and lifting,
banter, orders, questions, plans, conditionals, stories about other people, equipment
talk). `tests/extraction_everyday.rs` requires that none of them yields a fact.

Deterministic: fixed templates and fillers, a seeded shuffle; rerunning writes the same
file. Usage: scripts/make_everyday_corpus.py [OUT]
"""
import itertools
import random
import sys

CALLSIGNS = ["Bravo two six", "Dustoff one one", "Reaper actual", "Viking three", "Anvil main",
             "Hammer two", "Saber six", "Ghost one"]
PEOPLE = ["Doc", "Sarge", "Miller", "Jonesy", "Ramirez", "the LT", "Kowalski", "Chen"]
PLACES = ["the truck", "the Humvee", "the wall", "the ridge", "the tree line", "the compound",
          "the LZ", "the CCP", "the alley", "the roof"]
KIT = ["tourniquet", "chest seal", "burn kit", "aid bag", "litter", "pressure dressing",
       "combat gauze", "splint", "blanket", "NPA", "IV kit", "radio", "shield", "oxygen bottle"]
BODY = ["leg", "arm", "chest", "head", "back", "hand", "foot", "neck", "shoulder", "knee"]
STORY_WHO = ["a guy in my platoon", "my cousin", "a buddy of mine", "someone in the convoy",
             "this dude at Bragg", "my old squad leader", "a kid from second platoon",
             "the medic before me"]
STORY_WHAT = ["lost his leg to an IED", "got shot in the arm", "broke his ankle jumping off a truck",
              "got burned by a fuel fire", "fell off a roof", "took frag to the face",
              "had a tourniquet on for three hours", "got hit by a car", "mentioned an IED",
              "needed a chest seal", "got morphine and threw up", "stepped on a mine"]
STORY_WHEN = ["last week", "last deployment", "back in 2019", "two years ago", "in basic",
              "on my first tour", "a while back", "last summer"]

radio = [
    "Roger, copy all, over.", "Say again your last, over.", "Wilco, out.",
    "Radio check, how copy, over?", "Lima Charlie, over.", "Good copy, standing by.",
    "Break break, all stations, stand by for traffic.", "Negative, say again all after grid.",
    "Copy, wait one.", "Send your traffic, over.", "Interrogative, what is your ETA?",
    "Roger that, moving to phase line blue.", "This is {cs}, radio check, over.",
    "{cs}, this is {cs2}, over.", "{cs}, roger, out.", "{cs}, say again your last.",
    "{cs}, we are Oscar Mike.", "{cs}, I copy, wait out.", "Net call, net call, this is {cs}.",
    "{cs}, how copy, over?", "Read you five by five, {cs}.", "Stand by for grid, {cs}.",
    "{cs} copies, break.", "{cs}, request you push to alternate freq.",
    "Roger, ETA one five mikes.", "Copy, we have eyes on the bird.", "Bird is two minutes out.",
    "Pop smoke on my call.", "Smoke out, identify color.", "I see green smoke.",
    "LZ is cold, over.", "LZ is marked with a VS-17 panel.", "Say again, you're breaking up.",
    "Comms are bad here, moving to higher ground.", "Switch to channel four.",
]
counting = [
    "On three, one, two, three, lift.", "Ready, lift on my count.", "One, two, three, up.",
    "Set him down easy.", "Watch his {b} as we lift.", "Everybody grab a handle.",
    "Lift on three, ready, one, two, three.", "Easy, easy, step over the ditch.",
    "Coming through, make a hole.", "Switch sides, my arm is dying.", "Hold up, I need to re-grip.",
    "Four man carry, let's go.", "Two more steps, two more.", "Lower him on one, two, three.",
    "Slide the litter under him.", "Log roll on my count, three, two, one.",
    "Keep his {b} straight when we roll him.", "Count off, one, two, three, four.",
    "Five more meters to the truck.", "Feet first into the vehicle.",
]
banter = [
    "Man, this coffee tastes like burnt rubber.", "You owe me twenty bucks, Ramirez.",
    "I'm so done with this heat.", "Who ate the last jalapeno cheese spread?",
    "My feet are killing me.", "I haven't slept in like thirty hours.",
    "{p}, you snore like a chainsaw.", "When we get back I'm getting a burger.",
    "That was a long walk for nothing.", "Nice shot on the range yesterday, {p}.",
    "This rucksack weighs a ton.", "I could sleep for a week.", "Anybody got a dip?",
    "Quit complaining, {p}.", "Hey {p}, you good?", "Drink some water, it's hot out.",
    "Hydrate or die, people.", "My knee has been bad since jump school.",
    "I'm starving, I'd kill for an MRE right now.", "Chow is at eighteen hundred.",
    "Mail call is tomorrow.", "Five more months and I'm out.", "Did you see the game last night?",
    "That smells terrible.", "It's freezing out here at night.",
]
orders = [
    "Grab the shield and cover the window.", "Get eyes on {pl}.", "Pull security on the east side.",
    "Bring me the {k} from {pl}.", "Hand me the {k}.", "Grab the {k} out of my bag.",
    "{p}, watch the door.", "Push up to {pl} and hold.", "Keep your head down.",
    "Get the vehicle turned around.", "Clear the room, then call me.", "Stay on the radio.",
    "Tell {p} to bring the {k} just in case.", "Go get {p}.", "Somebody grab the {k}.",
    "Pass the {k} down the line.", "Set up the CCP behind {pl}.", "Move the casualty collection point to {pl}.",
    "Keep pressure on it.", "Hold pressure right there.", "Hold the light steady.",
    "Cover me while I work.", "Don't touch that.", "Check your sectors.",
    "Count your ammo and report up.", "Get the litter ready.", "Open the back hatch.",
    "Put your gloves on.", "Stack the {k}s by {pl}.", "Bring the truck around to {pl}.",
]
questions = [
    "Do you have a {k}?", "Where's the {k}?", "Did anyone see where the shooter went?",
    "Who has the {k}?", "Is the bird inbound?", "What's the ETA on the MEDEVAC?",
    "Did you check the {b}?", "Should I put a {k} on?", "Do we need a second {k}?",
    "Can you hear me?", "How many {k}s do we have left?", "Is that a {k} or a {k2}?",
    "Where's {p}?", "Anybody hurt?", "Are you hit?", "Is he breathing?", "What time is it?",
    "Did somebody call it in?", "Who's got the nine line card?", "Can you feel your {b}?",
    "Where does it hurt?", "What's your name?", "Any allergies?", "What happened here?",
    "Do you want me to give him morphine?", "Should we give TXA?", "Is the {k} in {pl}?",
    "Did you bring the {k} from {pl}?", "Want me to check his pulse?", "Was it an IED?",
]
plans = [
    "We're going to move him to {pl} in five mikes.", "I'll put a second tourniquet on if it keeps bleeding.",
    "Going to need a chest seal on that if it's sucking.", "We'll need a {k} at {pl}.",
    "I'm going to set up the litter.", "We're going to need more {k}s.",
    "Next we'll check the {b}.", "After this we push to {pl}.", "Plan is to exfil at twenty two hundred.",
    "I'm gonna grab the {k}.", "Let's get him on the litter.", "Let's move to {pl}.",
    "We'll reassess at {pl}.", "Going to restock the {k}s tonight.", "We should probably call it in.",
    "I want to get an IV in at {pl}.", "Gonna need a bigger truck.", "Tomorrow we train on the {k}.",
    "We might need to intubate later.", "I plan to give fentanyl once we're moving.",
]
conditionals = [
    "If he stops breathing, we bag him.", "If the bleeding doesn't stop, put a second {k} on.",
    "If the pressure drops, we start the Hextend.", "If it's sucking, seal it.",
    "If you get shot, put your own tourniquet on.", "If the bird is late, we drive.",
    "In case it rains, cover the {k}.", "If he gets worse, tell me right away.",
    "If there's an arterial bleed, high and tight.", "If he wakes up, keep him calm.",
    "If you see smoke, call it.", "Unless he's bleeding out, he waits.",
    "If his {b} swells, loosen the splint.", "If he complains of pain, let me know.",
    "If the {k} slips, redo it.", "If we take fire, drop and cover him.",
]
equipment = [
    "This tourniquet strap is frayed, swap it out.", "We're out of chest seals in the truck.",
    "The burn kit is in the back of {pl}.", "The {k} is expired, throw it away.",
    "Restock the {k}s after this.", "My {k} is in the left cargo pocket.",
    "The radio battery is dead.", "The {k} in {pl} is broken.", "Inventory says we have six {k}s.",
    "These gloves are too small.", "Put the {k} back in the aid bag.", "That {k} is the old model.",
    "The oxygen bottle is almost empty.", "Label the {k}s before we leave.",
    "Somebody left the {k} at {pl}.", "I packed two {k}s per man.", "The litter straps are tangled.",
    "Check the {k}s on the vehicle.", "The new tourniquets have a red tab.",
    "We got a shipment of {k}s yesterday.",
]
reassurance = [
    "You're going to be fine, buddy.", "Stay with me, look at me.", "Breathe, just breathe.",
    "Hey, hey, you're okay, we got you.", "Don't look at it, look at me.", "Squeeze my hand.",
    "Talk to me, where are you from?", "You're doing great, {p}.", "Bird's coming, hang in there.",
    "Keep your eyes open for me.", "I know it hurts, stay still.", "We're getting you out of here.",
    "Don't move your {b}, okay?", "Tell me about your kids.", "Nice and slow, deep breaths.",
]
status = [
    "Area is secure.", "Building is clear.", "Two tangos down by {pl}.", "We're taking fire from {pl}.",
    "Contact left, contact left.", "Cease fire, cease fire.", "Perimeter is set.",
    "All clear on the east side.", "{p} is on overwatch at {pl}.", "Vehicle two is down, flat tire.",
    "ANA checkpoint is a klick north.", "Sun's going down in an hour.", "Fuel is at half.",
    "Village elder wants to talk.", "Dogs barking at {pl}.",
]
stories = [
    "{w} {s} {t}.", "I heard {w} {s} {t}.", "Remember when {w} {s} {t}?",
    "{t}, {w} {s}.", "Funny story, {w} {s} {t}.", "You know, {w} {s} {t}.",
]

def fill(template, rng):
    k, k2 = rng.sample(KIT, 2)
    cs, cs2 = rng.sample(CALLSIGNS, 2)
    return template.format(cs=cs, cs2=cs2, p=rng.choice(PEOPLE), pl=rng.choice(PLACES),
                           k=k, k2=k2, b=rng.choice(BODY), w=rng.choice(STORY_WHO),
                           s=rng.choice(STORY_WHAT), t=rng.choice(STORY_WHEN))

def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/corpus/everyday/everyday.txt"
    rng = random.Random(1380)
    lines = []
    for group, copies in [(radio, 3), (counting, 2), (banter, 2), (orders, 4), (questions, 4),
                          (plans, 4), (conditionals, 4), (equipment, 4), (stories, 24),
                          (reassurance, 2), (status, 3)]:
        for template in group:
            for _ in range(copies if "{" in template else 1):
                lines.append(fill(template, rng))
    unique = list(dict.fromkeys(line[0].upper() + line[1:] for line in lines))
    rng.shuffle(unique)
    with open(out, "w") as f:
        f.write("# Everyday speech that is not a fact: scripts/make_everyday_corpus.py writes this file.\n")
        for line in unique:
            f.write(line + "\n")
    print(len(unique), "utterances ->", out)

if __name__ == "__main__":
    main()
