//! The estimate in words: a headline that says what was and was not priced, then the table,
//! where the prices came from (with their dates), where the arithmetic ran, the assumptions,
//! what was not priced and why, and points to discuss.

use agentdesk_pricing::Decimal;

use super::Estimate;
use super::lines::Say;

/// One sentence: the total, the region, how many lines, and what was not priced.
pub(crate) fn headline(estimate: &Estimate, japanese: bool) -> String {
    let say = Say { japanese };
    let region = format!("{} ({})", estimate.region, estimate.region_name);
    let asked: Vec<&str> = estimate.not_priced.iter().map(|entry| entry.asked.as_str()).collect();
    let missing = if asked.is_empty() {
        String::new()
    } else {
        say.pick(
            &format!(" Not priced: {}.", asked.join("; ")),
            &format!("見積もりに含めていないもの: {}。", asked.join("、")),
        )
    };
    let region_note = estimate
        .region_note
        .as_deref()
        .map(|note| if japanese { note.to_owned() } else { format!(" {note}") })
        .unwrap_or_default();
    if estimate.items.is_empty() {
        return say.pick(
            &format!("Nothing could be priced in {region}.{missing}{region_note}"),
            &format!("{region} で料金を出せるものがありませんでした。{missing}{region_note}"),
        );
    }
    let total = money(estimate.monthly_total);
    let mut priced: Vec<String> = Vec::new();
    for item in &estimate.items {
        let name = format!("{} {}", super::lines::service_name(&item.service), item.resource);
        if !priced.contains(&name) {
            priced.push(name);
        }
    }
    let more = priced.len().saturating_sub(6);
    priced.truncate(6);
    let mut listed = priced.join(", ");
    if more > 0 {
        listed.push_str(&say.pick(&format!(" and {more} more"), &format!(" ほか {more} 件")));
    }
    say.pick(
        &format!("{total} a month in {region}: {listed}.{missing}{region_note}"),
        &format!("{region} で月額 {total}: {listed}。{missing}{region_note}"),
    )
}

/// The report, in Markdown.
pub(crate) fn report(estimate: &Estimate, japanese: bool, wants_cheapest: bool) -> String {
    let say = Say { japanese };
    let t = |english: &str, japanese_text: &str| say.pick(english, japanese_text);
    let mut out =
        format!("## {} ({})\n\n", t("AWS cost estimate", "AWS 料金の見積もり"), estimate.region);
    out.push_str(&format!("**{}**\n\n", estimate.headline));
    if estimate.items.is_empty() {
        out.push_str(&t(
            "Name the services, for example: \"an ALB, 2 EC2 t3.medium and RDS MySQL in us-east-1\", \"東京リージョンでt3.smallを1台\", or \"a static HTML site\".\n",
            "サービスを具体的に書いてください。例:「ALB と EC2 t3.medium 2台と RDS MySQL を東京リージョンで」「t3.smallを1台」「HTML の静的サイト」\n",
        ));
    } else {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n|---|---|---:|---|---:|---:|\n",
            t("Service", "サービス"),
            t("Resource", "リソース"),
            t("Quantity", "数量"),
            t("Unit", "単位"),
            t("Unit price", "単価"),
            t("Monthly", "月額"),
        ));
        for item in &estimate.items {
            out.push_str(&format!(
                "| {} | {} | {} | {} | ${} | {} |\n",
                item.service,
                item.resource,
                item.quantity.normalize(),
                item.unit,
                item.unit_price.normalize(),
                money(item.monthly)
            ));
        }
        out.push_str(&format!(
            "| **{}** | | | | | **{}** |\n",
            t("Total", "合計"),
            money(estimate.monthly_total)
        ));
        out.push('\n');
        out.push_str(&t("Prices:", "価格:"));
        for source in &estimate.price_sources {
            out.push_str(&format!(" {} ({});", source.name, source.date));
        }
        out.pop();
        out.push_str(". ");
        out.push_str(&where_calculated(estimate, say));
        out.push('\n');
        let old: Vec<&str> = estimate
            .price_sources
            .iter()
            .filter(|source| is_a_year_old(&source.date))
            .map(|source| source.date.as_str())
            .collect();
        if !old.is_empty() {
            out.push_str(&t(
                &format!("\nSome prices are from {}: AWS may have changed them since. `agentdesk prices update` (or a pricing MCP server) brings current ones.\n", old.join(", ")),
                &format!("\n一部の価格は {} 時点のものです。その後 AWS が変更している可能性があります。`agentdesk prices update`(または料金 MCP サーバー)で最新の価格を取得できます。\n", old.join("、")),
            ));
        }
    }
    if let Some(note) = &estimate.price_note {
        out.push_str(&format!("\n{note}\n"));
    }
    if !estimate.assumptions.is_empty() {
        out.push_str(&format!("\n### {}\n", t("Assumptions", "前提")));
        for assumption in &estimate.assumptions {
            out.push_str(&format!("- {assumption}\n"));
        }
    }
    if !estimate.not_priced.is_empty() {
        out.push_str(&format!("\n### {}\n", t("Not priced", "見積もりに含めていないもの")));
        for entry in &estimate.not_priced {
            let reason =
                if entry.reason.is_empty() { String::new() } else { format!(": {}", entry.reason) };
            out.push_str(&format!("- **{}**{reason}\n", entry.asked));
            for alternative in &entry.alternatives {
                out.push_str(&format!("  - {alternative}\n"));
            }
        }
    }
    out.push_str(&format!("\n### {}\n", t("Points to discuss", "検討ポイント")));
    let has_x86 =
        estimate.items.iter().any(|item| item.service == "ec2" && item.resource.starts_with("t3."));
    if has_x86 {
        out.push_str(&t(
            "- Graviton (t4g) instances cost about 20% less than t3 for the same size.\n",
            "- 同じサイズなら Graviton(t4g)インスタンスは t3 より約 20% 安くなります。\n",
        ));
    }
    if wants_cheapest {
        out.push_str(&t(
            "- For the lowest cost, check the free tier and a 1-year Savings Plan; a static site on S3 + CloudFront needs no servers at all.\n",
            "- なるべく安くするなら、無料利用枠と 1 年の Savings Plans を確認してください。静的サイトなら S3 + CloudFront でサーバーは不要です。\n",
        ));
    }
    out.push_str(&t(
        "- Data transfer and request volumes are assumptions: give real figures for a closer estimate.\n",
        "- 通信量とリクエスト数は仮定です。実際の値を教えていただければ精度が上がります。\n",
    ));
    out
}

/// Where the arithmetic ran, truly.
fn where_calculated(estimate: &Estimate, say: Say) -> String {
    match (estimate.calculated_in.as_str(), &estimate.calculation_note) {
        ("sandbox", None) => {
            return say.pick(
                "Calculated in the Python sandbox.",
                "計算は Python サンドボックスで実行しました。",
            );
        }
        ("sandbox", Some(why)) => {
            return say.pick(
                &format!("Calculated in the local Python sandbox: {why}."),
                &format!("計算はローカルの Python サンドボックスで実行しました: {why}。"),
            );
        }
        ("interpreter", Some(name)) => {
            return say.pick(
                &format!("Calculated on the remote code interpreter {name}."),
                &format!("計算はリモートのコードインタープリター {name} で実行しました。"),
            );
        }
        _ => {}
    }
    match &estimate.calculation_note {
        Some(note) => say.pick(
            &format!("Calculated on this machine ({note})."),
            &format!("計算はこのマシン上で実行しました({note})。"),
        ),
        None => say.pick("Calculated on this machine.", "計算はこのマシン上で実行しました。"),
    }
}

/// Whether a `YYYY-MM-DD` date is more than a year before today (`live` never is).
fn is_a_year_old(date: &str) -> bool {
    let part =
        |range: std::ops::Range<usize>| date.get(range).and_then(|text| text.parse::<u16>().ok());
    let (Some(year), Some(month), Some(day)) = (part(0..4), part(5..7), part(8..10)) else {
        return false;
    };
    let Ok(month) = time::Month::try_from(u8::try_from(month).unwrap_or(0)) else { return false };
    let Ok(date) =
        time::Date::from_calendar_date(i32::from(year), month, u8::try_from(day).unwrap_or(0))
    else {
        return false;
    };
    date < time::OffsetDateTime::now_utc().date() - time::Duration::days(365)
}

/// Dollars to the cent.
pub(crate) fn money(amount: Decimal) -> String {
    format!("${:.2}", super::lines::cents(amount))
}
