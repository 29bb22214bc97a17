//! The classes of error found by studying the fresh4 set, each tested by paraphrases (never
//! the set's own sentences): two medics sharing the casualties ("I've got two", "mine's
//! one"), a recap in the past tense with times just after midnight, levels of response
//! described rather than named, a clock time after a fluid (never a volume), a saline lock
//! (access, not a fluid), a repeat dose said without its unit, a lozenge said without the
//! drug, the injury time of a blast that hit a vehicle, a pelvic binder's site, and talk
//! about a drug or a threshold for a later dose (nothing filed).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod extraction_support;

use extraction_support::{casualty, list, live_facts, record_of};

#[test]
fn two_medics_sharing_casualties_say_whose_is_whose() {
    let record = record_of(&[
        "I've got casualty one, mine's got a gunshot to the right thigh.",
        "And I've got two, mine took shrapnel in the left hand, hold still.",
        "Mine's one: pulse one twenty, alert.",
        "Okay, two swallowed it, pill pack's in.",
    ]);
    let one = casualty(&record, 1);
    let two = casualty(&record, 2);
    assert!(
        !list(&one, "mechanisms").iter().any(|m| m == "landmine"),
        "{record:#}"
    );
    assert!(
        list(&two, "injuries")
            .iter()
            .any(|i| i["region"] == "left_arm"),
        "{record:#}"
    );
    assert!(
        !list(&one, "injuries")
            .iter()
            .any(|i| i["region"] == "left_arm"),
        "{record:#}"
    );
    assert!(
        list(&one, "vitals").iter().any(|v| v["pulse"] == 120),
        "{record:#}"
    );
    assert!(
        list(&two, "treatments")
            .iter()
            .any(|t| t["kind"] == "combat_pill_pack"),
        "{record:#}"
    );
}

#[test]
fn times_just_after_midnight_said_with_oh_oh() {
    let record = record_of(&[
        "Casualty one, fell from the roof.",
        "Oxygen on at oh-oh-fifteen.",
        "TXA two grams IV at oh-oh-oh-eight.",
    ]);
    let one = casualty(&record, 1);
    assert!(
        list(&one, "treatments")
            .iter()
            .any(|t| t["time"] == "00:15"),
        "{record:#}"
    );
    assert!(
        list(&one, "medications")
            .iter()
            .any(|m| m["time"] == "00:08"),
        "{record:#}"
    );
}

#[test]
fn levels_of_response_described_rather_than_named() {
    for (line, want) in [
        ("Casualty one, he only answers when I shout at him.", "V"),
        ("Casualty one, opens his eyes when I talk to him.", "V"),
        ("Casualty one, he only moaned when I pinched his ear.", "P"),
        ("Casualty one, only reacts when I pinch his shoulder.", "P"),
        (
            "Casualty one, at ten forty he was a P, pulse one-twenty.",
            "P",
        ),
    ] {
        let record = record_of(&[line]);
        let one = casualty(&record, 1);
        assert!(
            list(&one, "vitals").iter().any(|v| v["avpu"] == want),
            "{line}: {record:#}"
        );
    }
}

#[test]
fn a_clock_time_after_a_fluid_is_never_a_volume() {
    let record = record_of(&[
        "Casualty one. Second unit of whole blood running through the IO, fifteen thirty-seven.",
        "Plasma, one unit, IV, oh-nine-forty-three.",
    ]);
    let one = casualty(&record, 1);
    let fluids = list(&one, "fluids");
    assert!(
        fluids.iter().all(|f| f["volume_ml"].is_null()),
        "{record:#}"
    );
    assert!(fluids.iter().any(|f| f["time"] == "15:37"), "{record:#}");
    assert!(fluids.iter().any(|f| f["time"] == "09:43"), "{record:#}");
    // A round volume still is one.
    let record = record_of(&["Casualty one, Hextend five hundred IV at 0950."]);
    let one = casualty(&record, 1);
    assert!(
        list(&one, "fluids").iter().any(|f| f["volume_ml"] == 500),
        "{record:#}"
    );
}

#[test]
fn a_saline_lock_is_access_not_a_fluid() {
    for line in [
        "Casualty one, saline lock in the right hand, twenty gauge.",
        "Casualty one, got a hep lock in his left arm at ten ten.",
    ] {
        let record = record_of(&[line]);
        let none = record
            .as_array()
            .unwrap()
            .iter()
            .all(|c| list(c, "fluids").is_empty());
        assert!(none, "{line}: {record:#}");
    }
    let record = record_of(&["Casualty one, normal saline five hundred IV at 1010."]);
    assert!(
        !list(&casualty(&record, 1), "fluids").is_empty(),
        "{record:#}"
    );
}

#[test]
fn a_repeat_dose_said_without_its_unit_takes_the_unit_given_before() {
    let record = record_of(&[
        "Casualty one, ondansetron four milligrams IM at 1100.",
        "Still sick, another four of ondansetron IM, eleven twenty.",
        "Ketamine twenty milligrams IV at 1130.",
        "Twenty more of ketamine IV at 1150.",
    ]);
    let meds = list(&casualty(&record, 1), "medications");
    assert_eq!(meds.len(), 4, "{record:#}");
    assert!(meds.iter().all(|m| m["unit"] == "mg"), "{record:#}");
}

#[test]
fn a_lozenge_said_without_the_drug_is_fentanyl() {
    let record = record_of(&[
        "Casualty one, fentanyl lozenge, eight hundred micrograms, at 0610.",
        "Pain still bad, gave him another lollipop at zero six thirty.",
    ]);
    let meds = list(&casualty(&record, 1), "medications");
    let otfc = meds
        .iter()
        .filter(|m| m["name"] == "fentanyl" && m["route"] == "otfc")
        .count();
    assert_eq!(otfc, 2, "{record:#}");
    assert!(meds.iter().any(|m| m["time"] == "06:30"), "{record:#}");
}

#[test]
fn a_pelvic_binder_is_on_the_pelvis() {
    let record = record_of(&["Casualty one, pelvic binder applied at 1015."]);
    let treatments = list(&casualty(&record, 1), "treatments");
    assert!(
        treatments
            .iter()
            .any(|t| t["kind"] == "other" && t["site"] == "pelvis"),
        "{record:#}"
    );
}

#[test]
fn talk_about_a_drug_and_thresholds_for_later_doses_file_nothing() {
    for line in [
        "Casualty one. We talked about morphine but he was too low.",
        "Casualty one. Lieutenant asked if he should get ketamine.",
        "Casualty one. Doc said fentanyl if his pain goes above six.",
        "Casualty one. Hang another bag of plasma only if he drops below ninety.",
        "Casualty one. At first we called it a burn.",
    ] {
        let record = record_of(&[line]);
        let one = casualty(&record, 1);
        for field in ["mechanisms", "medications", "fluids", "injuries"] {
            assert!(list(&one, field).is_empty(), "{line}: {record:#}");
        }
    }
}

#[test]
fn a_blast_that_hit_a_vehicle_gives_the_injury_time() {
    for (line, want) in [
        (
            "Casualty two, the RPG hit their truck at oh-four-fifty, burns to both arms.",
            "casualty 2: injured at 04:50",
        ),
        (
            "Casualty one, mortar round hit the tent at twenty-one ten.",
            "casualty 1: injured at 21:10",
        ),
    ] {
        let facts = live_facts(&[line]);
        assert!(facts.iter().any(|f| f == want), "{line}: {facts:?}");
    }
    for line in [
        "Casualty one. We hit the road at zero six hundred.",
        "Casualty one. The convoy hit the checkpoint at zero seven ten.",
    ] {
        let facts = live_facts(&[line]);
        assert!(
            !facts.iter().any(|f| f.contains("injured")),
            "{line}: {facts:?}"
        );
    }
}
