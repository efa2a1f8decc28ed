//! `tollgate man`: the manual page, roff for `man`, with the whole command line in it.

use crate::{texts, tollgate};

fn page() -> String {
    let out = tollgate().arg("man").output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stdout
}

#[test]
fn the_man_page_is_roff_and_names_every_subcommand_and_flag() {
    let page = page();
    // Each piece clap_mangen renders starts with the same apostrophe preamble; the title
    // macro comes before any text.
    let first = page
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
        .unwrap();
    assert!(first.starts_with(".TH tollgate 1 "), "{first}");
    assert!(page.contains(env!("TOLLGATE_BUILD_VERSION")), "no version");

    // What the page must cover, read from `--help` as a user would: every subcommand it
    // lists and every long flag each of them takes.
    let help = |args: &[&str]| texts(&tollgate().args(args).output().unwrap()).0;
    let main = help(&["--help"]);
    let subcommands: Vec<String> = main
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        // `  check  Evaluate …`; a wrapped description is indented further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(subcommands.len() >= 6, "{subcommands:?}");
    let flag = regex::Regex::new(r"^\s+(?:-\w, )?--([a-z][a-z-]*)").unwrap();
    let mut named = 0;
    for sub in &subcommands {
        assert!(
            page.contains(&format!(".SS tollgate {sub}\n")),
            "no section for `tollgate {sub}`"
        );
        for line in help(&[sub, "--help"]).lines() {
            if let Some(long) = flag.captures(line).map(|c| c[1].to_string()) {
                // roff writes `-` as `\-`.
                let roff = format!("\\-\\-{}", long.replace('-', "\\-"));
                assert!(
                    page.contains(&roff),
                    "the page lacks `tollgate {sub} --{long}`"
                );
                named += 1;
            }
        }
    }
    assert!(named > 20, "only {named} flags found");
    for text in ["\\-\\-fail\\-on", ".SH \"EXIT STATUS\"", "TOLLGATE_PARAM_"] {
        assert!(page.contains(text), "the page lacks {text}");
    }
    // Hidden: packagers run it; the page does not describe itself.
    assert!(!page.contains(".SS tollgate man"));
}
