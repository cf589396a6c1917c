use super::*;

/// A chain of `n` records as the sink writes them, and its head.
fn chain(n: u64, key: Option<&[u8]>) -> (Vec<Vec<u8>>, Link) {
    let mut c = Chainer::new(key, Link::genesis());
    let lines = (1..=n)
        .map(|i| {
            let mut out = Vec::new();
            let rec = format!(
                "{{\"timestamp\":\"2026-11-23T08:00:{:02}Z\",\"level\":\"INFO\",\"message\":\"event {i}\",\"log_type\":\"audit\"}}\n",
                i % 60
            );
            c.link(rec.as_bytes(), &mut out);
            out.pop();
            out
        })
        .collect();
    (lines, c.last().clone())
}

fn check(lines: &[Vec<u8>], key: Option<&[u8]>, head: Option<&Link>) -> Result<Verified, Problem> {
    let entries: Vec<Entry> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| Entry::read(0, i as u64 + 1, l, key))
        .collect();
    verify(&entries, Start::Genesis, head, false)
}

fn kind_line(r: Result<Verified, Problem>) -> (ProblemKind, u64) {
    let p = r.expect_err("a problem");
    (p.kind, p.line)
}

/// What someone without the key can do: recompute the hash of a line
/// whose content they changed.
fn rehash(line: &[u8], key: Option<&[u8]>) -> Vec<u8> {
    let p = parse_line(line).unwrap();
    let mut out = p.body.to_vec();
    out.extend_from_slice(format!(",\"hash\":\"{}\"}}", digest(key, p.body)).as_bytes());
    out
}

fn edit(line: &[u8]) -> Vec<u8> {
    String::from_utf8(line.to_vec())
        .unwrap()
        .replacen("\"message\":\"event", "\"message\":\"EVENT", 1)
        .into_bytes()
}

#[test]
fn canonical_form_is_the_line_plus_chain_members() {
    let mut c = Chainer::new(None, Link::genesis());
    let mut out = Vec::new();
    c.link(b"{\"a\":1}\n", &mut out);
    let body = format!("{{\"a\":1,\"seq\":1,\"prev_hash\":\"{GENESIS}\"");
    let hash = digest(None, body.as_bytes());
    assert_eq!(
        String::from_utf8(out.clone()).unwrap(),
        format!("{body},\"hash\":\"{hash}\"}}\n")
    );
    assert_eq!(hash.len(), 64);
    let p = parse_line(&out).unwrap();
    assert_eq!((p.seq, p.prev_hash, p.hash), (1, GENESIS, hash.as_str()));
    serde_json::from_slice::<serde_json::Value>(&out).unwrap();
    // An empty object and a line that is not an object stay valid JSON.
    let mut out = Vec::new();
    c.link(b"{}", &mut out);
    assert!(out.starts_with(b"{\"seq\":2,\"prev_hash\":\""));
    let mut out = Vec::new();
    c.link(b"plain \"text\"", &mut out);
    assert!(out.starts_with(b"{\"record\":\"plain \\\"text\\\"\",\"seq\":3,"));
    serde_json::from_slice::<serde_json::Value>(&out).unwrap();
}

#[test]
fn hmac_differs_from_plain_sha256_and_needs_the_key() {
    let (lines, head) = chain(5, Some(b"k1"));
    assert_eq!(check(&lines, Some(b"k1"), Some(&head)).unwrap().records, 5);
    assert_eq!(
        kind_line(check(&lines, None, None)),
        (ProblemKind::Modified, 1)
    );
    assert_eq!(
        kind_line(check(&lines, Some(b"k2"), None)),
        (ProblemKind::Modified, 1)
    );
    // Without the key, a rehashed edit is still a modification.
    let mut forged = lines.clone();
    forged[2] = rehash(&edit(&lines[2]), None);
    assert_eq!(
        kind_line(check(&forged, Some(b"k1"), Some(&head))),
        (ProblemKind::Modified, 3)
    );
}

#[test]
fn intact_chain_verifies() {
    let (lines, head) = chain(12, None);
    let v = check(&lines, None, Some(&head)).unwrap();
    assert_eq!(
        v,
        Verified {
            records: 12,
            last: head.clone()
        }
    );
    assert_eq!(check(&[], None, None).unwrap().records, 0);
}

#[test]
fn every_single_record_modification_is_located() {
    let (lines, head) = chain(8, None);
    for i in 0..lines.len() {
        let mut l = lines.clone();
        l[i] = edit(&l[i]);
        assert_eq!(
            kind_line(check(&l, None, Some(&head))),
            (ProblemKind::Modified, i as u64 + 1),
            "edit {i}"
        );
        // Re-hashed by someone without a key: the next link breaks, or
        // for the last record the head.
        let mut l = lines.clone();
        l[i] = rehash(&edit(&l[i]), None);
        assert_eq!(
            kind_line(check(&l, None, Some(&head))),
            (ProblemKind::Modified, i as u64 + 1),
            "rehash {i}"
        );
    }
}

#[test]
fn every_single_record_deletion_is_located() {
    let (lines, head) = chain(8, None);
    for i in 0..lines.len() - 1 {
        let mut l = lines.clone();
        l.remove(i);
        let p = check(&l, None, Some(&head)).unwrap_err();
        assert_eq!(
            (p.kind, p.line, p.seq),
            (ProblemKind::Deleted, i as u64 + 1, Some(i as u64 + 2)),
            "{i}"
        );
        assert_eq!(
            p.detail,
            format!("record seq {} is missing before this line", i + 1)
        );
    }
    // The last one: only the head knows.
    let mut l = lines.clone();
    l.pop();
    let p = check(&l, None, Some(&head)).unwrap_err();
    assert_eq!((p.kind, p.line), (ProblemKind::Truncated, 8));
    assert_eq!(
        p.detail,
        "the chain ends at seq 7, the head file names seq 8: 1 record(s) missing at the end"
    );
}

#[test]
fn every_insertion_is_located() {
    let (lines, head) = chain(6, None);
    for at in 0..=lines.len() {
        for copy in 0..lines.len() {
            let mut l = lines.clone();
            l.insert(at, lines[copy].clone());
            let got = kind_line(check(&l, None, Some(&head)));
            // A copy just before its original is the same bytes twice: the
            // second of the two is named.
            let want = if at == copy {
                at as u64 + 2
            } else {
                at as u64 + 1
            };
            assert_eq!(got, (ProblemKind::Inserted, want), "copy of {copy} at {at}");
        }
        // A record without chain members.
        let mut l = lines.clone();
        l.insert(at, b"{\"message\":\"forged\"}".to_vec());
        assert_eq!(
            kind_line(check(&l, None, Some(&head))),
            (ProblemKind::Inserted, at as u64 + 1)
        );
    }
    // A forged record that links correctly (computed without a key):
    // the record after it links past it.
    for at in 1..lines.len() {
        let prev = parse_line(&lines[at - 1]).unwrap();
        let mut c = Chainer::new(
            None,
            Link {
                seq: prev.seq,
                hash: prev.hash.to_owned(),
            },
        );
        let mut forged = Vec::new();
        c.link(b"{\"message\":\"forged\"}", &mut forged);
        forged.pop();
        let mut l = lines.clone();
        l.insert(at, forged);
        assert_eq!(
            kind_line(check(&l, None, Some(&head))),
            (ProblemKind::Inserted, at as u64 + 1),
            "forged at {at}"
        );
    }
}

#[test]
fn every_swap_of_neighbours_is_located() {
    let (lines, head) = chain(8, None);
    for i in 0..lines.len() - 1 {
        let mut l = lines.clone();
        l.swap(i, i + 1);
        let p = check(&l, None, Some(&head)).unwrap_err();
        assert_eq!(
            (p.kind, p.line),
            (ProblemKind::Reordered, i as u64 + 1),
            "swap {i}"
        );
    }
    // A record moved further down.
    let mut l = lines.clone();
    let moved = l.remove(1);
    l.insert(5, moved);
    assert_eq!(
        kind_line(check(&l, None, Some(&head))),
        (ProblemKind::Reordered, 2)
    );
}

#[test]
fn truncation_is_detected() {
    let (lines, head) = chain(8, None);
    for keep in 0..lines.len() {
        let p = check(&lines[..keep], None, Some(&head)).unwrap_err();
        assert_eq!(
            (p.kind, p.line),
            (ProblemKind::Truncated, keep as u64 + 1),
            "keep {keep}"
        );
    }
    // A line cut in the middle of a write.
    let mut l = lines.clone();
    let last = l.last_mut().unwrap();
    last.truncate(last.len() / 2);
    let entries: Vec<Entry> = l
        .iter()
        .enumerate()
        .map(|(i, x)| Entry::read(0, i as u64 + 1, x, None))
        .collect();
    let p = verify(&entries, Start::Genesis, Some(&head), true).unwrap_err();
    assert_eq!((p.kind, p.line), (ProblemKind::Truncated, 8));
}

#[test]
fn partial_chains_start_anywhere_only_when_asked() {
    let (lines, head) = chain(8, None);
    let entries: Vec<Entry> = lines[3..]
        .iter()
        .enumerate()
        .map(|(i, l)| Entry::read(0, i as u64 + 1, l, None))
        .collect();
    let v = verify(&entries, Start::Anywhere, Some(&head), false).unwrap();
    assert_eq!(v.records, 5);
    let p = verify(&entries, Start::Genesis, Some(&head), false).unwrap_err();
    assert_eq!(
        (p.kind, p.detail.as_str()),
        (
            ProblemKind::Deleted,
            "records seq 1 to 3 are missing before this line"
        )
    );
}

#[test]
fn head_files_round_trip_and_carry_a_mac() {
    let link = Link {
        seq: 42,
        hash: "ab".repeat(32),
    };
    assert_eq!(parse_head(None, &head_text(None, &link)), Ok(link.clone()));
    let text = head_text(Some(b"key"), &link);
    assert_eq!(parse_head(Some(b"key"), &text), Ok(link.clone()));
    assert_eq!(
        parse_head(Some(b"other"), &text),
        Err("its MAC does not match the key".into())
    );
    let forged = head_text(
        None,
        &Link {
            seq: 40,
            hash: link.hash.clone(),
        },
    );
    assert!(parse_head(Some(b"key"), &forged).is_err());
    assert!(parse_head(None, "{}").is_err());
}

#[test]
fn lines_not_written_by_the_sink_are_not_parsed() {
    for bad in [
        &b"{\"a\":1}"[..],
        b"{\"seq\":1,\"prev_hash\":\"00\",\"hash\":\"00\"}",
        b"{\"x\":\"\\\",\\\"seq\\\":1\"}",
    ] {
        assert_eq!(parse_line(bad), None, "{}", String::from_utf8_lossy(bad));
    }
}
