/** The report's stylesheet, inlined in its `<style>`: system fonts only, nothing fetched. */
export const REPORT_CSS = `
:root{--bg:#f5f6f8;--panel:#fff;--ink:#1a202c;--muted:#5f6b7a;--line:#e2e6ec;--accent:#24497a;--soft:#eef2f7;
--allow:#2f855a;--review:#c07d12;--block:#c53030;--error:#6b7280;
font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;
font-size:14px;line-height:1.45;color:var(--ink);background:var(--bg)}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0}
a{color:var(--accent)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px;background:var(--soft);padding:1px 4px;border-radius:3px;word-break:break-all}
.wrap{max-width:1240px;margin:0 auto;padding:0 24px}
.topbar{background:#1c2b41;color:#fff;position:sticky;top:0;z-index:10;box-shadow:0 1px 3px rgba(0,0,0,.2)}
.topbar .wrap{display:flex;align-items:center;gap:24px;height:52px}
.brand{font-weight:700;font-size:17px;letter-spacing:.2px}
.brand span{font-weight:400;opacity:.75;margin-left:8px;font-size:14px}
.topbar nav{display:flex;gap:4px;margin-left:auto}
.topbar nav a{color:#dbe4f0;text-decoration:none;padding:6px 10px;border-radius:6px;font-size:13px}
.topbar nav a:hover{background:rgba(255,255,255,.12);color:#fff}
main{padding:24px 0 48px}
section{margin-bottom:36px;scroll-margin-top:64px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:0 0 12px}
.panel h2{font-size:14px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted);margin-bottom:14px}
h3{font-size:15px;margin:0}
h4{font-size:12px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted);margin:14px 0 6px}
h4:first-child{margin-top:0}
.sub{color:var(--muted);margin:0 0 18px}
.muted{color:var(--muted)}
.small{font-size:12px}
.num{text-align:right;font-variant-numeric:tabular-nums}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:18px 20px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.banner{background:#fff8e6;border:1px solid #f3d48b;color:#6b4e0b;border-radius:8px;padding:10px 14px;margin:0 0 18px}
.banner.problem{background:#fdecec;border-color:#f3b4b4;color:#7c1d1d}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px}
.kpi{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:14px 16px;border-top:3px solid var(--accent)}
.kpi .v{font-size:26px;font-weight:700;font-variant-numeric:tabular-nums}
.kpi .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.5px}
.kpi .s{color:var(--muted);font-size:12px}
.kpi.k-allow{border-top-color:var(--allow)}.kpi.k-review{border-top-color:var(--review)}
.kpi.k-block{border-top-color:var(--block)}.kpi.k-error{border-top-color:var(--error)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:16px}
.chart{display:block;max-width:100%;height:auto;overflow:visible}
.chart text{font-size:12px;fill:var(--ink)}
.chart .val,.chart .tick,.chart .legend{fill:var(--muted)}
.chart .tick{font-size:10px}
.chart .axis{font-size:11px;fill:var(--muted)}
.chart .track{fill:#f0f2f5}
.chart .grid{stroke:#e7eaef;stroke-width:1}
.chart .axis-line{stroke:#a0aec0;stroke-width:1}
.chart .area{fill-opacity:.12}
.chart .empty{fill:var(--muted);font-style:italic}
table{border-collapse:collapse;width:100%}
th,td{padding:7px 10px;text-align:left;vertical-align:top}
thead th{font-size:12px;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);background:#fafbfc}
tbody tr+tr td,tbody tr+tr th{border-top:1px solid #f0f2f5}
.compact td,.compact th{padding:5px 8px}
.badge{display:inline-block;min-width:52px;text-align:center;padding:2px 8px;border-radius:999px;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.4px;color:#fff}
.d-allow{background:var(--allow)}.d-review{background:var(--review)}.d-block{background:var(--block)}.d-error{background:var(--error)}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;background:var(--c);margin-right:6px;vertical-align:baseline}
.cat{display:inline-flex;align-items:center;gap:4px;padding:1px 7px;border-radius:999px;background:var(--soft);font-size:12px;margin:1px 4px 1px 0;white-space:nowrap}
.cat .dot{margin-right:0}
.filters{display:flex;flex-wrap:wrap;align-items:center;gap:10px;margin-bottom:12px}
.no-js .filters,.no-js .js-only{display:none}
.chip{border:1px solid var(--line);background:#fff;border-radius:999px;padding:5px 12px;font:inherit;font-size:13px;cursor:pointer;color:var(--ink)}
.chip[aria-pressed=true]{background:var(--accent);border-color:var(--accent);color:#fff}
.chip .count{opacity:.7;margin-left:4px}
select,input[type=search],.button{font:inherit;font-size:13px;border:1px solid #cfd6df;border-radius:6px;padding:6px 10px;background:#fff;color:var(--ink)}
input[type=search]{min-width:240px}
.button{cursor:pointer}
.more-rows{margin-top:10px}
.button[aria-pressed=true]{background:var(--soft)}
#f-count{margin-left:auto}
.table-wrap{max-height:560px;overflow:auto;border:1px solid var(--line);border-radius:10px;background:#fff}
.items{table-layout:fixed;min-width:1000px}
.items col.c-idx{width:56px}.items col.c-dec{width:96px}.items col.c-media{width:110px}.items col.c-cats{width:230px}
.items col.c-score{width:90px}.items col.c-tier{width:60px}.items col.c-notes{width:120px}.items col.c-link{width:84px}
.items thead th{position:sticky;top:0;z-index:1}
.items th[data-sort]{cursor:pointer;user-select:none}
.items th[data-sort]::after{content:" ↕";opacity:.35}
.items th[aria-sort=ascending]::after{content:" ↑";opacity:1}
.items th[aria-sort=descending]::after{content:" ↓";opacity:1}
.items tbody tr:hover{background:#f8fafc}
.item-cell{overflow:hidden}
.item-cell .name{font-weight:600;display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.item-cell .uri{display:block;color:var(--muted);font-size:11px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.cards{display:flex;flex-direction:column;gap:16px}
.card{background:var(--panel);border:1px solid var(--line);border-left:4px solid var(--allow);border-radius:10px;padding:16px 18px;scroll-margin-top:64px}
.card-review{border-left-color:var(--review)}.card-block{border-left-color:var(--block)}.card-error{border-left-color:var(--error)}
.card:target{box-shadow:0 0 0 3px rgba(36,73,122,.35)}
.card-head{display:flex;align-items:flex-start;gap:12px;margin-bottom:12px}
.card-head .badge{margin-top:2px}
.card-title{min-width:0}
.card-title h3{overflow-wrap:anywhere}
.meta{color:var(--muted);font-size:12px;margin-top:2px}
.card-body{display:grid;grid-template-columns:minmax(0,1.15fr) minmax(0,1fr);gap:22px}
@media (max-width:820px){.card-body{grid-template-columns:1fr}}
.excerpt{margin:0;padding:12px 14px;background:#fbfbfc;border:1px solid var(--line);border-radius:8px;white-space:pre-wrap;overflow-wrap:anywhere;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px;line-height:1.55;max-height:360px;overflow:auto}
mark{background:color-mix(in srgb,var(--c) 22%,transparent);color:inherit;border-bottom:2px solid var(--c);border-radius:2px;padding:0 1px}
mark.weak{background:transparent;border-bottom:1.5px dashed var(--c);border-radius:0}
.more-signals{margin-top:10px}
.more-signals summary{cursor:pointer;color:var(--muted);font-size:12.5px}
.more-signals .signals{margin-top:8px}
.inv{display:inline-block;font-size:9px;line-height:1;padding:1px 3px;margin:0 1px;border:1px dashed #a0aec0;border-radius:3px;color:#4a5568;vertical-align:middle;font-family:ui-monospace,monospace}
.thumb{margin:0;display:block}
.thumb .frame{position:relative;display:block;overflow:hidden;border-radius:8px;border:1px solid var(--line);background:#eef0f3;width:100%}
.thumb img{display:block;width:100%;height:100%;object-fit:contain}
.thumb .boxes{position:absolute;inset:0;width:100%;height:100%;pointer-events:none}
.thumb figcaption{color:var(--muted);font-size:12px;margin-top:6px}
.thumb .reveal{position:absolute;opacity:0;pointer-events:none}
.thumb.blurred .frame{cursor:pointer}
.thumb.blurred img,.thumb.blurred .boxes{filter:blur(18px) saturate(.6)}
.thumb.blurred .veil{position:absolute;inset:0;display:flex;flex-direction:column;gap:4px;align-items:center;justify-content:center;text-align:center;color:#fff;font-weight:600;font-size:13px;background:rgba(26,32,44,.35);text-shadow:0 1px 2px rgba(0,0,0,.5)}
.thumb.blurred .reveal:checked+.frame img,.thumb.blurred .reveal:checked+.frame .boxes{filter:none}
.thumb.blurred .reveal:checked+.frame .veil{display:none}
.thumb .reveal:focus-visible+.frame{outline:3px solid var(--accent);outline-offset:2px}
.timeline-wrap{margin-top:10px}
.timeline-wrap .chart{margin-top:6px}
.note{background:var(--soft);border-radius:6px;padding:8px 10px;color:var(--muted);font-size:12.5px;margin:8px 0 0}
.error-box{background:#f4f4f6;border:1px solid #d5d8de;border-left:4px solid var(--error);border-radius:6px;padding:8px 12px;margin-bottom:12px}
.failures{margin:0 0 12px;padding-left:18px;color:#7c1d1d}
.scores th{font-weight:500;white-space:nowrap;padding-left:0}
.scores td,.scores th{padding-top:4px;padding-bottom:4px;border:0!important}
.meter-cell{width:45%}
.quiet{display:inline-block;min-width:52px;text-align:center;font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.4px}
.meter{display:block;height:8px;border-radius:4px;background:#edf0f4;overflow:hidden;margin-top:6px}
.meter-fill{display:block;height:100%}
.signals{list-style:none;margin:0;padding:0}
.signal{padding:8px 0;border-top:1px solid #f0f2f5}
.signal:first-child{border-top:0;padding-top:0}
.sig-head{display:flex;align-items:baseline;gap:6px}
.sig-label{color:var(--muted)}
.sig-score{margin-left:auto;font-variant-numeric:tabular-nums;font-weight:600}
.sig-detector{font-size:11px;color:var(--muted)}
.evidence{margin:4px 0 0;padding-left:16px;font-size:12.5px}
.evidence li{margin:2px 0;overflow-wrap:anywhere}
.ev-kind{display:inline-block;font-size:10.5px;text-transform:uppercase;letter-spacing:.4px;color:var(--muted);margin-right:4px}
q{quotes:"“" "”"}
.info-signals{margin:10px 0 0}
.item-details{margin-top:12px;border-top:1px solid #f0f2f5;padding-top:8px}
.item-details summary{cursor:pointer;color:var(--muted);font-size:12.5px}
.item-details dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:10px 0;font-size:12.5px}
.item-details dt{color:var(--muted)}
.item-details dd{margin:0;overflow-wrap:anywhere}
.detectors{font-size:12px}
.st-failed{color:var(--block);font-weight:600}.st-skipped{color:var(--muted)}
.metrics td,.metrics th{white-space:nowrap}
.metrics tr.macro td,.metrics tr.macro th{font-weight:700;border-top:2px solid var(--line)}
.pr-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:16px;margin-top:16px}
.pr figcaption{font-weight:600;margin-bottom:8px;display:flex;justify-content:space-between}
.limits li{margin:4px 0}
.breakdowns{margin-top:16px}
.scroll-x{overflow-x:auto}
.chart .marker{cursor:default}
footer{color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding:16px 0 40px}
@media print{.topbar{position:static}.filters,.js-only{display:none}.table-wrap{max-height:none;overflow:visible}.card{break-inside:avoid}}
`;
