//! The facts the guideline advisor reads beyond the card: when a casualty was injured
//! ("hit at ten thirty", "IED strike at twelve forty") and a tourniquet coming off
//! ("converted the tourniquet to a pressure dressing", "TQ released"), each said several
//! ways, with the sentences that must not yield them; a tourniquet said again ("still on")
//! is not a second tourniquet; and neither fact is a field of the `--json` record.

#![allow(clippy::unwrap_used)]

mod extraction_support;

use extraction_support::live_facts as facts;
use tccc::extract::{Extractor, ExtractorConfig};
use tccc::record::RecordDocument;

/// The `--json` document of the record after `lines` (one utterance each).
fn card_json(lines: &[&str]) -> String {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    for (i, line) in lines.iter().enumerate() {
        extractor
            .push_utterance(i as u32, line, i as f64, i as f64 + 1.0)
            .unwrap();
    }
    let document = RecordDocument::new(&extractor.record(), Vec::new());
    serde_json::to_string(&document).unwrap()
}

fn has(lines: &[&str], want: &str) -> bool {
    facts(lines).iter().any(|f| f == want)
}

#[test]
fn an_injury_time_is_read_from_the_ways_it_is_said() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["Casualty one, IED strike at twelve forty, fragments in the abdomen."],
            "casualty 1: injured at 12:40",
        ),
        (
            &["Casualty two, gunshot wound left chest, he was hit at ten thirty this morning."],
            "casualty 2: injured at 10:30",
        ),
        (
            &["Casualty three, wounded at zero nine hundred, GSW right arm."],
            "casualty 3: injured at 09:00",
        ),
        (
            &["Casualty one got hit at fourteen twenty, frag to the left leg."],
            "casualty 1: injured at 14:20",
        ),
        (
            &["Casualty two, time of injury zero six fifteen."],
            "casualty 2: injured at 06:15",
        ),
        (
            &["Casualty one was injured at 2130 by the RPG."],
            "casualty 1: injured at 21:30",
        ),
    ];
    for (lines, want) in cases {
        assert!(has(lines, want), "{lines:?}: {:?}", facts(lines));
    }
}

#[test]
fn no_injury_time_without_a_clock_time_or_an_injury() {
    let cases: &[&[&str]] = &[
        &["Casualty three, gunshot wound right chest, nobody knows when he was hit."],
        &["Casualty three, I don't know when he got hit, GSW to the abdomen."],
        &["We hit the road at zero six hundred."],
        &["Strike the tent at zero six hundred."],
        &["He hit the gym at zero five thirty."],
        // An ambiguous 12-hour time stays blank.
        &["Casualty one, he was hit at three twenty."],
    ];
    for lines in cases {
        let found = facts(lines);
        assert!(
            found.iter().all(|f| !f.contains("injured at")),
            "{lines:?}: {found:?}"
        );
    }
}

#[test]
fn a_group_or_a_pair_of_casualties_shares_the_injury_time() {
    let lines = [
        "IED strike at twenty three oh five, two casualties.",
        "Casualty one, frag left thigh, arterial bleeding.",
        "Casualty two, frag to the abdomen, he's alert.",
    ];
    assert!(
        has(&lines, "casualty 1: injured at 23:05"),
        "{:?}",
        facts(&lines)
    );
    assert!(
        has(&lines, "casualty 2: injured at 23:05"),
        "{:?}",
        facts(&lines)
    );
    let lines = [
        "Casualties one and two hit by the IED at zero nine hundred.",
        "Casualty three, GSW to the abdomen, walked in from the other position.",
    ];
    let found = facts(&lines);
    assert!(has(&lines, "casualty 1: injured at 09:00"), "{found:?}");
    assert!(has(&lines, "casualty 2: injured at 09:00"), "{found:?}");
    assert!(has(&lines, "casualty 2: mechanism ied"), "{found:?}");
    assert!(
        !found.iter().any(|f| f.starts_with("casualty 3: injured")),
        "{found:?}"
    );
}

#[test]
fn a_tourniquet_coming_off_is_read_from_the_ways_it_is_said() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "Casualty two, tourniquet left arm at zero six ten.",
                "Casualty two, converted the left arm tourniquet to a pressure dressing, tourniquet off at zero seven thirty.",
            ],
            "casualty 2: tourniquet off left_arm at 07:30",
        ),
        (
            &["Tourniquet right leg at ten hundred.", "TQ released at eleven forty."],
            "casualty 1: tourniquet off right_leg at 11:40",
        ),
        (
            &["Tourniquet right leg at ten hundred.", "Removed the tourniquet from the right leg."],
            "casualty 1: tourniquet off right_leg",
        ),
        (
            &["Left arm TQ at ten hundred.", "Took off the left arm tourniquet at eleven twenty."],
            "casualty 1: tourniquet off left_arm at 11:20",
        ),
    ];
    for (lines, want) in cases {
        assert!(has(lines, want), "{lines:?}: {:?}", facts(lines));
    }
}

#[test]
fn a_tourniquet_said_again_or_planned_off_is_not_a_new_one_nor_off() {
    let cases: &[&[&str]] = &[
        &[
            "Tourniquet right leg at zero six zero two.",
            "Casualty one, tourniquet still on the right leg, no bleeding.",
        ],
        &[
            "Tourniquet left leg at twenty three ten.",
            "Casualty one tourniquet still on, we're still waiting on the bird.",
        ],
        &[
            "Tourniquet right leg at twenty two thirty seven.",
            "Casualty one, tourniquet still in place on the right leg, no bird yet.",
        ],
        &[
            "Tourniquet right leg at ten hundred.",
            "If he stays stable we need to convert the tourniquet.",
        ],
        &[
            "Tourniquet right leg at ten hundred.",
            "Thinking about loosening casualty one's tourniquet.",
        ],
    ];
    for lines in cases {
        let found = facts(lines);
        let tourniquets = found.iter().filter(|f| f.contains(": tourniquet")).count();
        assert_eq!(tourniquets, 1, "{lines:?}: {found:?}");
    }
}

#[test]
fn what_follows_still_on_in_the_sentence_is_new() {
    let lines = [
        "Casualty one, tourniquet left leg at zero zero ten.",
        "Casualty one, tourniquet still on, TXA two grams IV at zero one hundred.",
        "Tourniquet still in place, gave fentanyl fifty micrograms IV.",
    ];
    let found = facts(&lines);
    assert!(
        has(&lines, "casualty 1: medication txa 2 g iv at 01:00"),
        "{found:?}"
    );
    assert!(
        has(&lines, "casualty 1: medication fentanyl 50 mcg iv"),
        "{found:?}"
    );
    assert_eq!(
        found.iter().filter(|f| f.contains(": tourniquet")).count(),
        1,
        "{found:?}"
    );
}

#[test]
fn a_tourniquet_named_before_the_casualty_number_is_that_casualty_s() {
    let lines = ["Tourniquet casualty one right leg, time zero six zero two."];
    assert!(
        has(
            &lines,
            "casualty 1: tourniquet extremity right_leg at 06:02"
        ),
        "{:?}",
        facts(&lines)
    );
    let lines = [
        "Casualty one, GSW left arm.",
        "TXA casualty two, two grams IV at zero nine ten.",
    ];
    assert!(
        has(&lines, "casualty 2: medication txa 2 g iv at 09:10"),
        "{:?}",
        facts(&lines)
    );
}

#[test]
fn injury_times_and_tourniquets_off_are_not_fields_of_the_json_record() {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    for (i, line) in [
        "Casualty one, he was hit at ten thirty, tourniquet left leg at ten forty.",
        "Tourniquet off the left leg at eleven fifty.",
    ]
    .iter()
    .enumerate()
    {
        extractor
            .push_utterance(i as u32, line, i as f64, i as f64 + 1.0)
            .unwrap();
    }
    let document = RecordDocument::new(&extractor.record(), Vec::new());
    let json = serde_json::to_string(&document).unwrap();
    assert!(json.contains("\"10:40\""), "{json}");
    assert!(!json.contains("10:30") && !json.contains("11:50"), "{json}");
}

// --- advisor2 branch: a tourniquet over clothing and an open fracture.

#[test]
fn a_tourniquet_over_clothing_is_read_from_the_ways_it_is_said() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["Casualty one, tourniquet on the right leg over the uniform at zero six twelve."],
            "casualty 1: tourniquet over clothing right_leg",
        ),
        (
            &["Casualty two, CAT right over his trousers on the right thigh at zero nine ten."],
            "casualty 2: tourniquet over clothing right_leg",
        ),
        (
            &["Casualty one, TQ left leg over the pants at ten twenty."],
            "casualty 1: tourniquet over clothing left_leg",
        ),
        (
            &["Casualty three, over his clothes tourniquet left arm at eleven hundred."],
            "casualty 3: tourniquet over clothing left_arm",
        ),
    ];
    for (lines, want) in cases {
        let found = facts(lines);
        assert!(found.iter().any(|f| f == want), "{lines:?}: {found:?}");
        // The tourniquet itself is still filed.
        assert!(
            found.iter().any(|f| f.contains(": tourniquet extremity")),
            "{lines:?}: {found:?}"
        );
    }
}

#[test]
fn no_tourniquet_over_clothing_without_clothing_said_or_a_tourniquet() {
    let cases: &[&[&str]] = &[
        &["Casualty one, tourniquet on the right leg at zero six twelve."],
        &["Casualty one, he's wearing his uniform, tourniquet right leg."],
        &["Casualty one, poncho over the uniform, he is cold."],
        &["Casualty one, blanket over his clothes."],
    ];
    for lines in cases {
        let found = facts(lines);
        assert!(
            found.iter().all(|f| !f.contains("over clothing")),
            "{lines:?}: {found:?}"
        );
    }
}

#[test]
fn an_open_fracture_is_read_and_a_closed_one_is_not_open() {
    let open: &[(&[&str], &str)] = &[
        (
            &["Casualty one, vehicle rollover, right leg was pinned, open fracture of the right shin."],
            "casualty 1: open fracture right_leg",
        ),
        (
            &["Casualty two, compound fracture left forearm."],
            "casualty 2: open fracture left_arm",
        ),
        (
            &["Casualty one, bone sticking out of the right shin."],
            "casualty 1: open fracture right_leg",
        ),
    ];
    for (lines, want) in open {
        let found = facts(lines);
        assert!(found.iter().any(|f| f == want), "{lines:?}: {found:?}");
        assert!(
            found.iter().any(|f| f.contains(": injury fracture")),
            "{lines:?}: {found:?}"
        );
    }
    let closed: &[&[&str]] = &[
        &["Casualty one, closed fracture of the right shin."],
        &["Casualty one, deformed wrist on the left."],
        &["Casualty one, fractured left femur."],
    ];
    for lines in closed {
        let found = facts(lines);
        assert!(
            found.iter().all(|f| !f.contains("open fracture")),
            "{lines:?}: {found:?}"
        );
    }
}

#[test]
fn over_clothing_and_open_fractures_are_not_fields_of_the_json_record() {
    let mut extractor = Extractor::new(ExtractorConfig::default());
    extractor
        .push_utterance(
            0,
            "Casualty one, open fracture right shin, tourniquet right leg over the uniform at ten forty.",
            0.0,
            1.0,
        )
        .unwrap();
    let found: Vec<String> = extractor
        .live_facts()
        .iter()
        .map(|f| f.fact.to_string())
        .collect();
    assert!(
        found.iter().any(|f| f == "open fracture right_leg"),
        "{found:?}"
    );
    let document = RecordDocument::new(&extractor.record(), Vec::new());
    let json = serde_json::to_string(&document).unwrap();
    assert!(
        json.contains("\"10:40\"") && json.contains("fracture"),
        "{json}"
    );
    assert!(
        !json.contains("clothing") && !json.contains("open"),
        "{json}"
    );
}

// --- advisor3 branch: more ways to say a tourniquet came off, including in a clause that
// does not name it ("tourniquet not needed, removed at 0640"), and never an invented time.

#[test]
fn a_tourniquet_removal_is_read_from_more_ways_and_never_invents_a_time() {
    let on = "Casualty one, tourniquet on the right leg over the uniform at zero six twelve.";
    let cases: &[(&str, &str)] = &[
        (
            "Casualty one, cut the trouser leg open, bleeding is minimal, tourniquet not needed, removed at zero six forty.",
            "casualty 1: tourniquet off right_leg at 06:40",
        ),
        (
            "Casualty one, tourniquet not needed, took it off at zero six forty.",
            "casualty 1: tourniquet off right_leg at 06:40",
        ),
        (
            "Casualty one, right leg tourniquet, let it down at zero six forty, no rebleed.",
            "casualty 1: tourniquet off right_leg at 06:40",
        ),
        (
            "Casualty one, the tourniquet came off at zero six forty.",
            "casualty 1: tourniquet off right_leg at 06:40",
        ),
        (
            "Casualty one, tourniquet released at zero six forty.",
            "casualty 1: tourniquet off right_leg at 06:40",
        ),
        (
            "Casualty one, wound is barely oozing, tourniquet not needed, removed it.",
            "casualty 1: tourniquet off right_leg",
        ),
        (
            "Casualty one, tourniquet came off, no rebleed.",
            "casualty 1: tourniquet off right_leg",
        ),
    ];
    for (line, want) in cases {
        let found = facts(&[on, line]);
        assert!(found.iter().any(|f| f == want), "{line}: {found:?}");
        // No new tourniquet, and no time the medic did not say.
        let tourniquets = found
            .iter()
            .filter(|f| f.starts_with("casualty 1: tourniquet extremity"))
            .count();
        assert_eq!(tourniquets, 1, "{line}: {found:?}");
        let offs = found
            .iter()
            .filter(|f| f.contains("tourniquet off"))
            .count();
        assert_eq!(offs, 1, "{line}: {found:?}");
    }
    // Said in the same sentence as the tourniquet: both, each with its own time.
    let found = facts(&["Tourniquet on the left arm at fourteen ten, released at fourteen forty."]);
    assert!(
        found.contains(&"casualty 1: tourniquet extremity left_arm at 14:10".to_owned())
            && found.contains(&"casualty 1: tourniquet off left_arm at 14:40".to_owned()),
        "{found:?}"
    );
}

#[test]
fn something_else_coming_off_is_no_tourniquet_removal() {
    let on = "Casualty one, tourniquet on the right leg at zero six twelve.";
    let cases: &[&str] = &[
        "Casualty one, tourniquet is holding, his helmet came off at zero six forty.",
        "Casualty one, tourniquet still on, took off his boots at zero six forty.",
        "Tourniquet's tight, we removed the old batteries at zero six forty.",
        "Casualty one, tourniquet is fine, took it off the litter at zero six forty.",
        "Casualty one, tourniquet on, don't let it down.",
        "If the bleeding stops we take the tourniquet off.",
    ];
    for line in cases {
        let found = facts(&[on, line]);
        assert!(
            !found.iter().any(|f| f.contains("tourniquet off")),
            "{line}: {found:?}"
        );
    }
}

#[test]
fn weapons_taken_from_a_casualty_are_a_fact_for_the_advisor() {
    for (lines, want) in [
        (
            vec!["Casualty one, his rifle and pistol are off him, the platoon sergeant has them."],
            vec!["casualty 1: disarmed"],
        ),
        (
            vec![
                "Casualty one, gunshot wound left thigh.",
                "His rifle's off him, the squad leader has it.",
            ],
            vec!["casualty 1: disarmed"],
        ),
        (
            vec!["Casualty two. I took his weapons off him, Doc has them."],
            vec!["casualty 2: disarmed"],
        ),
    ] {
        let got = facts(&lines);
        for w in &want {
            assert!(got.iter().any(|f| f == w), "{lines:?}: {got:?}");
        }
    }
    // Both casualties at once.
    let both = facts(&[
        "Casualty one, gunshot wound to the right arm.",
        "Casualty two, frag to the left leg.",
        "Weapons are off both of them.",
    ]);
    for c in [1, 2] {
        assert!(
            both.iter().any(|f| *f == format!("casualty {c}: disarmed")),
            "{both:?}"
        );
    }
    // Range and weapons-handling talk is not a casualty disarmed.
    for line in [
        "Weapons off safe, eyes and ears on, fire when ready.",
        "Take the magazine out, weapons clear, rifles on the rack.",
        "He took his rifle to the armory for the inspection.",
    ] {
        let got = facts(&[line]);
        assert!(got.is_empty(), "{line}: {got:?}");
    }
}

// --- adv15 branch: a junctional device with a bare side, an injury time said with the
// mechanism, and a burned surface and weight for the burn fluid rule.

#[test]
fn a_junctional_device_said_with_a_bare_side_takes_the_limb_of_its_junctional_wound() {
    for (lines, want) in [
        (
            vec![
                "Cas one. Male. GSW left groin, high, junctional. Hit at twenty three forty.",
                "SAM junctional, left, cinched, twenty three forty four.",
            ],
            "casualty 1: tourniquet junctional left_leg at 23:44",
        ),
        (
            vec![
                "Casualty two, frag in the right armpit, bleeding heavily.",
                "JETT on, right, at zero two ten.",
            ],
            "casualty 2: tourniquet junctional right_arm at 02:10",
        ),
        (
            vec![
                "Casualty one, gunshot wound right groin.",
                "Junctional tourniquet on the right, zero nine fifteen.",
            ],
            "casualty 1: tourniquet junctional right_leg at 09:15",
        ),
    ] {
        let got = facts(&lines);
        assert!(got.iter().any(|f| f == want), "{lines:?}: {got:?}");
    }
    // No junctional wound on the side said, both sides said, or "left" the verb: no limb
    // is invented, no tourniquet is filed.
    for lines in [
        vec![
            "Casualty one, GSW right groin.",
            "SAM junctional, left, cinched, twenty three forty four.",
        ],
        vec![
            "Casualty one, GSW left groin and right groin.",
            "SAM junctional, left and right, cinched.",
        ],
        vec![
            "Casualty one, GSW right groin.",
            "We left the SAM junctional in the truck at zero nine hundred.",
        ],
        vec![
            "Casualty one, GSW left thigh.",
            "SAM junctional, left, cinched, twenty three forty four.",
        ],
    ] {
        let got = facts(&lines);
        assert!(
            got.iter().all(|f| !f.contains("tourniquet")),
            "{lines:?}: {got:?}"
        );
    }
}

#[test]
fn an_injury_time_said_with_the_mechanism_is_the_injury_time() {
    for (lines, want) in [
        (
            vec!["Sergeant Vega, this is Pike, casualty one, female, IED frag, right calf, happened just now, sixteen thirty five."],
            "casualty 1: injured at 16:35",
        ),
        (
            vec!["Zero four one zero: casualty two, female, IED, right leg traumatic amputation below the knee, blast at zero four one zero."],
            "casualty 2: injured at 04:10",
        ),
    ] {
        let got = facts(&lines);
        assert!(got.iter().any(|f| f == want), "{lines:?}: {got:?}");
    }
    // The time of another event is not the injury time.
    for lines in [
        vec!["Casualty one, stepped on a landmine, tourniquet left leg at oh nine fifteen."],
        vec!["Casualty one, IED frag, right calf, TXA at sixteen thirty five."],
        vec!["Casualty two, landmine, left foot, bird lifts at zero four one zero."],
        vec!["The briefing happened just now, sixteen thirty five."],
        vec!["The demo team will blast at thirteen hundred."],
    ] {
        let got = facts(&lines);
        assert!(
            got.iter().all(|f| !f.contains("injured at")),
            "{lines:?}: {got:?}"
        );
    }
}

#[test]
fn a_burned_surface_and_a_weight_are_advisor_facts_not_card_fields() {
    let lines = [
        "Casualty one, male, vehicle fire, burns to both arms and the chest, I make it thirty percent, he's about seventy kilos. Ondansetron four milligrams IV at twenty one hundred.",
        "Casualty two, flash burns to the face, round it to ten percent TBSA, she weighs ninety kilos.",
    ];
    let got = facts(&lines);
    for want in [
        "casualty 1: burns 30 % TBSA",
        "casualty 1: weight 70 kg",
        "casualty 2: burns 10 % TBSA",
        "casualty 2: weight 90 kg",
    ] {
        assert!(got.iter().any(|f| f == want), "{want}: {got:?}");
    }
    // ext16: the surface said alone in the sentence after the burns.
    for line in [
        "Casualty one, burns to both legs and the back. I make it forty percent.",
        "Casualty one, burns to both legs and the back. About forty percent.",
    ] {
        let got = facts(&[line]);
        assert!(
            got.iter().any(|f| f == "casualty 1: burns 40 % TBSA"),
            "{line}: {got:?}"
        );
    }
    // A saturation, a load or a lesson gives neither.
    for line in [
        "Casualty one, burns to the left arm, sats ninety four percent.",
        "Casualty one, he's carrying forty kilos of kit.",
        "Burn fluids are ten mils per percent per hour for forty to eighty kilos, learn it.",
    ] {
        let got = facts(&[line]);
        assert!(
            got.iter()
                .all(|f| !f.contains("TBSA") && !f.contains("weight")),
            "{line}: {got:?}"
        );
    }
    let json = card_json(&lines);
    assert!(json.contains("ondansetron"), "{json}");
    assert!(
        !json.contains("TBSA") && !json.contains("weight") && !json.contains("burn_extent"),
        "{json}"
    );
}

#[test]
fn an_evisceration_is_an_abdominal_wound_and_an_advisor_fact() {
    // adv18: said alone, it is an injury `other` of the abdomen on the card and the
    // advisor's evisceration; said of a wound already on the card, only the latter.
    let got = facts(&["Casualty one, abdominal evisceration, bowel is out."]);
    for want in [
        "casualty 1: injury other abdomen",
        "casualty 1: evisceration abdomen",
    ] {
        assert!(got.iter().any(|f| f == want), "{want}: {got:?}");
    }
    let got = facts(&["Casualty one, GSW to the belly, his intestines are hanging out."]);
    assert!(
        got.iter().any(|f| f == "casualty 1: evisceration abdomen"),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|f| f == "casualty 1: injury other abdomen"),
        "{got:?}"
    );
    // Everyday and planned talk gives none.
    for line in [
        "That took guts, good work.",
        "If the bowel is out, cover it with the plastic, that's the drill.",
        "Watch for evisceration when you roll him, Jones?",
    ] {
        let got = facts(&[line]);
        assert!(
            got.iter().all(|f| !f.contains("evisceration")),
            "{line}: {got:?}"
        );
    }
    let json = card_json(&["Casualty one, evisceration, bowel is out."]);
    assert!(!json.contains("evisceration"), "{json}");
}
