//! `picks.svg`: each tune's pick against the shape's true knee, log-log,
//! with the band the issue accepts (one measured level either side).

use super::report::pick_ok;
use super::{LEVELS, Row};

const W: f64 = 520.0;
const H: f64 = 440.0;
const M: f64 = 60.0;

fn pos(level: usize) -> f64 {
    let max = (*LEVELS.last().unwrap_or(&64) as f64).log2();
    (level.max(1) as f64).log2() / max
}

fn x(level: usize) -> f64 {
    M + pos(level) * (W - 2.0 * M)
}

fn y(level: usize) -> f64 {
    H - M - pos(level) * (H - 2.0 * M)
}

/// The chart as SVG text (plain shapes and text, no fonts embedded).
pub fn picks_svg(rows: &[Row]) -> String {
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">preload tune: pick vs true knee (simfs shape matrix)</text>\n",
        W / 2.0
    );
    for &l in &LEVELS {
        s.push_str(&format!(
            "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"#eee\"/>\
             <text x=\"{0:.1}\" y=\"{3:.1}\" text-anchor=\"middle\">{4}</text>\n\
             <line x1=\"{5:.1}\" y1=\"{6:.1}\" x2=\"{7:.1}\" y2=\"{6:.1}\" stroke=\"#eee\"/>\
             <text x=\"{8:.1}\" y=\"{9:.1}\" text-anchor=\"end\">{4}</text>\n",
            x(l),
            y(1),
            y(64),
            H - M + 16.0,
            l,
            x(1),
            y(l),
            x(64),
            M - 6.0,
            y(l) + 4.0
        ));
    }
    s.push_str(&format!(
        "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">true knee (fixed -P warms)</text>\n\
         <text x=\"16\" y=\"{:.1}\" transform=\"rotate(-90 16 {:.1})\" text-anchor=\"middle\">tune pick</text>\n",
        x(1),
        y(1),
        x(64),
        y(64),
        W / 2.0,
        H - 18.0,
        H / 2.0,
        H / 2.0
    ));
    for r in rows {
        for t in &r.tunes {
            let color = if pick_ok(r, t.pick) { "#2a7" } else { "#d33" };
            s.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{color}\" fill-opacity=\"0.7\"><title>{}: true {}, pick {} (confidence {:.2})</title></circle>\n",
                x(r.true_knee),
                y(t.pick),
                r.shape.name,
                r.true_knee,
                t.pick,
                t.confidence
            ));
        }
    }
    s.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#2a7\">● accepted</text><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#d33\">● miss</text>\n</svg>\n",
        M + 10.0,
        M + 4.0,
        M + 90.0,
        M + 4.0
    ));
    s
}
