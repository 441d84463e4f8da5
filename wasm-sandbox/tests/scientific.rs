//! `python-scientific`: the reactor build of CPython 3.15 with numpy, pandas and matplotlib,
//! installed from its wheel and run through the same sessions and tools.

mod common;

use agentdesk_wasm_sandbox::{Content, RuntimeId, StartSession};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numpy_pandas_and_matplotlib_figures_work() {
    let (sandbox, _dir) = sandbox_over(scientific_runtimes(), 0);
    let id = sandbox
        .start_session(StartSession {
            name: "science".into(),
            runtime: RuntimeId::PythonScientific,
            timeout_seconds: 900,
            metered: false,
        })
        .await
        .expect("start")
        .session_id;
    let frame = run(&sandbox, &id, "import numpy as np, pandas as pd\ndf = pd.DataFrame({'usd': np.array([30.37, 16.79])})\nprint(round(float(df.usd.sum()), 2))").await;
    assert_eq!(stdout(&frame), "47.16\n", "{}", text(&frame));

    let chart = run(&sandbox, &id, "import matplotlib.pyplot as plt\nplt.bar(['EC2', 'RDS'], df.usd)\nplt.title('Monthly cost')\nplt.show()").await;
    assert!(!chart.is_error, "{}", stderr(&chart));
    assert!(stderr(&chart).is_empty(), "no warning on show(): {}", stderr(&chart));
    let images: Vec<&String> = chart
        .content
        .iter()
        .filter_map(|c| match c {
            Content::Image { data, mime_type } if mime_type == "image/png" => Some(data),
            _ => None,
        })
        .collect();
    assert_eq!(images.len(), 1, "one figure");
    assert!(images[0].starts_with("iVBORw0KGgo"), "a PNG");

    let saved =
        run(&sandbox, &id, "plt.plot([1, 2]); plt.savefig('chart.png'); plt.close('all')").await;
    assert!(
        saved
            .content
            .iter()
            .any(|c| matches!(c, Content::ResourceLink { name, .. } if name == "chart.png"))
    );
}
