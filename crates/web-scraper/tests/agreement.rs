//! The crawl's scan (`parse::scan`, a tokenizer of our own) reads exactly
//! what html5ever's tokenizer reads (`parse::html5ever_scan`): the same
//! title, text count and links, or the same error, on
//! - every page of the bundled site;
//! - every adversarial page the test server makes;
//! - every page of the toolchain's std docs, when they are installed;
//! - a corpus of tricky markup, written out below;
//! - a few thousand pages put together at random from tricky pieces.

use std::path::{Path, PathBuf};
use url::Url;
use web_scraper::parse;

/// Both scans of one page; panics with the page when they differ.
fn agree(html: &str, url: &Url) {
    let ours = parse::scan(html, url);
    let reference = parse::html5ever_scan(html, url);
    assert_eq!(
        ours,
        reference,
        "the scans differ on {url}: {:?}",
        html.chars().take(400).collect::<String>()
    );
}

fn base() -> Url {
    Url::parse("http://127.0.0.1:8000/dir/page.html").unwrap()
}

#[test]
fn every_bundled_page() {
    let base = Url::parse("http://127.0.0.1:8000/").unwrap();
    let mut pages = 0;
    for (path, bytes) in web_scraper::site::FILES {
        if path.ends_with(".html") {
            agree(&String::from_utf8_lossy(bytes), &base.join(path).unwrap());
            pages += 1;
        }
    }
    assert!(pages > 30, "only {pages} pages");
}

#[test]
fn every_adversarial_page() {
    for class in web_scraper::server::ADVERSARIAL {
        let page = web_scraper::server::adversarial_page(class).unwrap();
        agree(&page, &base());
    }
}

/// The toolchain's std docs: the pages the bench crawls, and more (every
/// `.html` file under `std/`, redirect stubs included).
#[test]
fn every_std_docs_page() {
    let Some(docs) = std_docs() else {
        let why = "the toolchain's std docs are not installed \
                   (rustup component add rust-docs); this test reads every page of them";
        // CI installs them, so there a missing copy is a failure.
        assert!(std::env::var_os("CI").is_none(), "{why}");
        eprintln!("SKIPPED: {why}");
        return;
    };
    let base = Url::parse("http://127.0.0.1:8000/std/").unwrap();
    let mut files = Vec::new();
    html_files(&docs, &mut files);
    files.sort();
    for file in &files {
        let relative = file.strip_prefix(&docs).unwrap().to_string_lossy();
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        agree(&text, &base.join(&relative).unwrap());
    }
    // The crawl reaches 2216 of them from std/index.html.
    assert!(files.len() >= 2216, "only {} pages", files.len());
}

fn std_docs() -> Option<PathBuf> {
    let output = std::process::Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = String::from_utf8(output.stdout).ok()?;
    let docs = Path::new(sysroot.trim()).join("share/doc/rust/html/std");
    docs.join("index.html").is_file().then_some(docs)
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            html_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|extension| extension == "html")
        {
            out.push(path);
        }
    }
}

/// Markup where a tokenizer can go wrong, each piece on its own.
const TRICKY: &[&str] = &[
    // Character references: named with and without `;`, the longest match,
    // numeric in both bases, out of range, C1 controls, surrogates, none.
    "<p>&amp; &amp &AMP; &lt;&gt;&quot; &nbsp;&copy &notit; &notin; &ampx &fjlig; &NotNestedGreaterGreater;",
    "<p>&#38; &#x26; &#X26 &#0; &#x110000; &#99999999999; &#128; &#x9F; &#xD800; &#xFFFE; &#13; &#; &#x; &# &",
    "<title>a &amp b &lt;c&gt; &#x1F600; &unknown; &#128;</title>",
    "<a href='x?a=1&amp;b=2&copy=3&copy;&not=4&notx&#38;y'>l</a>",
    "<a href=\"?a&lt=1&lt;b\">x</a><a href=?q&amp=1>y</a><a href='&#x20;z'>z</a>",
    "text & more &&; &#xZ; &am &amp",
    // Comments and bogus comments.
    "<!-- a --> b <!--> c <!---> d <!----> e <!-- x --!> f <!-- y --!-- z --> g",
    "<!-- <a href=no.html> --> <!--- - -- ---> <a href=yes.html>y</a>",
    "<!--<!-- nested --> <a href=after.html>a</a> <!-- <!--> x -->",
    "<? php ?> <a href=q.html>q</a> </ bogus> </> <!x> <!-x> <!>",
    "<!-- unclosed <a href=lost.html>",
    "<!-",
    // CDATA (a bogus comment outside foreign content) and DOCTYPEs.
    "<![CDATA[ <a href=cdata.html> ]]> <svg><![CDATA[ x > y ]]></svg>",
    "<!DOCTYPE html PUBLIC \"a>b\" 'c'><!doctype><!DocType x SYSTEM 'y'> t",
    // Raw text: every element, end tags in other cases, false end tags.
    "<script>a<b && c>d; '</scr' + 'ipt>'; x = \"<a href=s.html>\"</SCRIPT >after",
    "<style>p < a { } </styles> </style x=\">\">z",
    "<textarea><a href=t.html>&amp;</textarea><xmp>&amp;<b></xmp>",
    "<iframe><a href=i.html></iframe><noembed><a href=e.html></noembed>",
    "<noframes><a></noframes><noscript><a href=n.html></noscript>",
    "<title>one</title><title>two</title><TITLE>three</Title>",
    "<title>unclosed <a href=x.html>",
    "<title>a</title/><title x>b</titlex></title >",
    "<plaintext><a href=p.html></plaintext>&amp;",
    // Script escapes: `<!--` then `<script>` hides the next `</script>`.
    "<script><!-- <script> </script> still script --> </script><a href=s1.html>",
    "<script><!--<script></script>--></script><a href=s2.html>",
    "<script><!-- x --> <a href=no.html> </script><a href=s3.html>",
    "<script><!--- <scriptx> </script> <a href=s4.html>",
    "<script><!-- <SCRIPT/> -- > - </script --> </script ><a href=s5.html>",
    "<script><!-- <script> -- </script> -> </script> --> </script><a href=s6.html>",
    "<script><!<!- <!-- -- <</script> <a href=s7.html>",
    "<script>",
    "<script><!--",
    "<script></scr",
    // Unclosed and misnested tags, attributes in every form.
    "<div><a href=a.html>one<p>two</a></p><b><i>x</b></i><a href=b.html>",
    "<table><tr><td><a href=c.html>c</td><a href=d.html>d</table>",
    "<select><a href=sel.html>s</select>",
    "<a href=unquoted.html?x=1 class=c>u</a><a class = 'x' href = \"spaced.html\" >s</a>",
    "<a href=\"a.html\"href='b.html'>no space</a><a href=x/>self</a><a/href=slash.html>",
    "<a HREF='upper.html' Href=second.html>",
    "<a href>empty</a><a href=''>empty2</a><a =href=eq.html>eq</a><a href==eq2.html>",
    "<a href=\"javascript:alert(1)\">js</a><a href=mailto:a@b>m</a><a href=//other.example/x>o</a>",
    "<a href='  spaced.html  '>t</a><a href=\"#frag\">f</a><a href=\"x.html#y\">y</a>",
    "<a href=\"unterminated.html>lost",
    "<a href=",
    "<a",
    "<",
    "</",
    "</a",
    "a < b > c <3 <=> <<a href=lt.html>",
    "<A HREF=caps.html>C</A><a\thref=tab.html>t</a><a\nhref=nl.html><a\x0chref=ff.html>",
    // Foreign content: svg and math.
    "<svg><title>not the page's</title><a href=svg.html>s</a><style><a href=in-style.html></style></svg><title>page</title>",
    "<math><mi>x</mi><script><a href=m.html></script></math><script><a href=no.html></script>",
    "<svg/><title>after self-closing</title><svg><svg></svg><title>still svg</title></svg>",
    "</svg></math><title>stray ends</title>",
    // <base href>: neither scan follows it.
    "<base href=\"http://other.example/\"><a href=rel.html>r</a>",
    // NUL, CR and characters the lossy decoding made.
    "<title>a\0b\r\nc\rd</title>x\0y\r\nz\r<a href=\"n\0ul.html\">\0</a><a href=\"c\r\nr.html\">",
    "<script>\0\r\n</script><style>\r\r\n\0</style><textarea>\r\n&amp;\0</textarea>",
    "<p>caf\u{e9} \u{fffd}\u{fffd} \u{1F600} \u{200B}</p><title>\u{a0} t\u{e9}st \u{3000}</title>",
    "<a hr\0ef=x.html>n</a><a\0 href=y.html>m</a><scr\0ipt><a href=z.html>",
    "\r\n\r\n<title>\r\n</title>\r",
];

#[test]
fn a_corpus_of_tricky_markup() {
    for html in TRICKY {
        agree(html, &base());
    }
    // Two pieces' expected answers, so that the corpus cannot pass by both
    // scans being wrong in the same way on everything.
    let page = parse::scan(TRICKY[2], &base()).unwrap();
    assert_eq!(page.title, "a & b <c> \u{1F600} &unknown; \u{20AC}");
    let page = parse::scan(TRICKY[23], &base()).unwrap();
    assert_eq!(page.links.len(), 1);
    assert_eq!(page.links[0].as_str(), "http://127.0.0.1:8000/dir/s1.html");
}

/// Pages put together from the corpus's pieces, cut short and joined in
/// any order, from a fixed seed.
#[test]
fn thousands_of_pages_from_tricky_pieces() {
    const PIECES: &[&str] = &[
        "<",
        ">",
        "</",
        "<!",
        "<!--",
        "-->",
        "--!>",
        "-",
        "--",
        "<?",
        "/",
        "=",
        "\"",
        "'",
        " ",
        "\t",
        "\r",
        "\n",
        "\r\n",
        "\0",
        "\u{e9}",
        "\u{20AC}",
        "&",
        "&amp",
        "&amp;",
        "&notit;",
        "&notin",
        "&#",
        "&#x",
        "&#38;",
        "&#x26",
        "&#0;",
        "&#128;",
        "&lt",
        "&lt=",
        "&ltx",
        "a",
        "x",
        "script",
        "title",
        "<a href=",
        "<a href='x?a=1&b=2'>",
        "<a HREF=\"",
        "<a href>",
        "<title>",
        "</title>",
        "<TITLE >",
        "</title x='>'>",
        "<script>",
        "</script>",
        "<script type=x>",
        "<!--<script>",
        "</script >",
        "<style>",
        "</style>",
        "<textarea>",
        "</textarea>",
        "<xmp>",
        "</xmp>",
        "<iframe>",
        "</iframe>",
        "<noscript>",
        "</noscript>",
        "<plaintext>",
        "<svg>",
        "</svg>",
        "<svg/>",
        "<math>",
        "</math>",
        "<![CDATA[",
        "]]>",
        "<!DOCTYPE html>",
        "<base href=/other/>",
        "<a href=b.html>",
        "<a href=c.html/>",
        "<a href=\"d e.html\" href=f.html>",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |bound: usize| {
        // xorshift64*: deterministic, and enough to mix the pieces.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % bound
    };
    for _ in 0..5_000 {
        let mut page = String::new();
        for _ in 0..1 + next(40) {
            page.push_str(PIECES[next(PIECES.len())]);
        }
        agree(&page, &base());
    }
    for _ in 0..500 {
        let piece = TRICKY[next(TRICKY.len())];
        let other = TRICKY[next(TRICKY.len())];
        let mut cut = next(piece.len() + 1);
        while !piece.is_char_boundary(cut) {
            cut -= 1;
        }
        agree(&format!("{}{other}", &piece[..cut]), &base());
    }
}
