"""What a passed run does not prove: the limits every report and certificate carries.

A certificate is evidence that the checks passed on the certified files, not proof that
the plugin has no fault the checks cannot observe. The ICT department signs these words
with the certificate (:mod:`motcua.conformance.certificates`), so a server's
administrator reading it, and anyone relying on it later, sees what was and was not
tested. docs/conformance.md ("What testing cannot prove") explains each in full; a test
keeps every check named here.
"""

from __future__ import annotations

NOTICE = ("This certificate attests that the conformance checks listed passed on the "
          "certified files; it is not proof that the plugin has no fault the checks cannot "
          "observe. The limits below were part of what the ICT department signed.")

GENERAL = (
    "Only the paths the run takes are observed: a fault behind a date, a setting the test "
    "province lacks, a rare input, randomness or a number of calls is not.",
    "The plugin ran in the suite's own Python process: a plugin built to evade an "
    "in-process observer (reaching the watchers' state through frames or the garbage "
    "collector) can defeat the runtime, platform, budget and volume observations; a "
    "source review must look for such code.",
    "What C code does on its own (ctypes, compiled extensions, libraries with their own "
    "network or file code) is not observed.",
    "Reads are not checked: a plugin reading files or environment values it should not "
    "is seen only if it then sends or shows them where a check looks.",
)

BY_CHECK = {
    "contract": (
        "Hooks are called once with the run's arguments; an answer of the right type with "
        "wrong content is judged by the other checks only.",),
    "catalogue": (
        "Procedure codes are checked for their national format, not looked up in the "
        "national database; documents and working days are not compared with the law.",),
    "migrations": (
        "Views, sequences, rules, row-level policies, grants, comments and collations of "
        "core tables are not compared; the migration runs on an empty database, so rows it "
        "would change in core tables are not seen.",),
    "lifecycle": (
        "Each sample dossier takes its default workflow once; other workflows a province "
        "may configure, returns for more documents and withdrawals are not walked.",),
    "sync": (
        "Delivery is proven to one hub over loopback with the run's dossiers; network "
        "failures other than re-delivery are the core's tests, not this check's.",),
    "sync_complete": (
        "Only the run's dossiers and the plugin's rows linked directly to a dossier are "
        "required; a value counts wherever it is in the payload, and the change test is one "
        "text field and one text column of one dossier.",),
    "lookup": (
        "The channels are asked for the states the lifecycle reached; a difference shown "
        "only in another state is not seen.",),
    "screens": (
        "Routes are requested with the run's values and one value of each URL argument's "
        "type; a guard that depends on other data is not tested for it.",),
    "safe_gets": (
        "A GET that rewrites a row with the same values, or writes outside the database "
        "(files, another service), is not seen here.",),
    "external_resources": (
        "Only what a page loads within a tenth of a second of loading, without clicks or "
        "typing, is seen; requests the server itself makes are not the browser's.",),
    "robustness": (
        "Bad input is generated from the schemas and a fixed set of junk forms; inputs "
        "outside them are not tried.",),
    "injection": (
        "Only statements the suite's requests reach are read: values spliced on paths the "
        "tokens do not take, by background jobs, or second-order (stored, spliced later) are "
        "not seen; text escaped for HTML but written into a script or URL, and PDFs, are "
        "not checked.",),
    "isolation": (
        "Statements are seen through SQLAlchemy and the instances' connections; a trigger "
        "or rule firing inside the database is seen only as a schema difference.",),
    "budget": (
        "Hooks are timed on the run's data on this machine, with other jobs' CPU time left "
        "out; a production server's load and data differ.",),
    "results": (
        "A handful of results per procedure across one day and one year change and two at "
        "once; numbering that repeats later or under heavier concurrency, or by the "
        "database server's clock, can pass.",),
    "personal_data": (
        "Only the suite's applicants, whole words and digit runs, are looked for: initials, "
        "split or encoded values, and secrets written to files or sent elsewhere are not "
        "recognised.",),
    "volume": (
        "The 50,000 dossiers are copies of the run's few: a hook slow only on varied data "
        "can pass; 50,000 is a province's year, not its archive.",),
    "platform": (
        "Two snapshots are compared: a change made and undone between them, made later in "
        "production, or made in place inside a core object without rebinding is seen only "
        "through its effects.",),
    "runtime": (
        "Events are attributed to the innermost frame of the plugin or the platform; work "
        "the core does when the plugin calls an SDK service is the core's, and a thread the "
        "plugin starts is watched only while the run lasts.",),
}


def limits() -> dict:
    """The notice, the general limits and each check's, as reports and certificates
    carry them."""
    return {"notice": NOTICE, "general": list(GENERAL),
            "checks": {name: list(lines) for name, lines in BY_CHECK.items()}}
