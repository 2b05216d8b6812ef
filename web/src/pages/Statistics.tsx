// Seizure statistics (issue 6, docs/stats.md) as interactive charts: totals,
// seizures over time, by origin on a world map, by product category and
// transport mode, and the flows from origin to destination; filters for the
// period, office, category and IPR type; the current view exported as CSV
// and each chart as PNG. ECharts and the map load with this page only.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import * as echarts from "echarts/core";
import { BarChart, LineChart, MapChart, PieChart, SankeyChart } from "echarts/charts";
import { GeoComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import type { EChartsCoreOption } from "echarts/core";
import { feature } from "topojson-client";
import countries from "i18n-iso-countries";
import english from "i18n-iso-countries/langs/en.json";
import world from "world-atlas/countries-110m.json";
import { api, ApiError } from "../api";
import { useMe } from "../auth";
import { Empty, ErrorBox, humanize, Loading, PageHeader } from "../ui";

echarts.use([BarChart, LineChart, MapChart, PieChart, SankeyChart, GeoComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);
countries.registerLocale(english);

// The world map from Natural Earth (world-atlas, bundled: nothing is fetched),
// its countries named by ISO 3166-1 alpha-2 so they match the statistics.
let mapRegistered = false;
function registerWorld(): void {
  if (mapRegistered) return;
  const topology = world as any;
  const geo = feature(topology, topology.objects.countries) as any;
  for (const country of geo.features) {
    const alpha2 = countries.numericToAlpha2(String(country.id ?? "").padStart(3, "0"));
    country.properties = { ...country.properties, name: alpha2 ?? country.properties?.name ?? "" };
  }
  echarts.registerMap("world", geo);
  mapRegistered = true;
}

type Measure = "cases" | "articles" | "value";
interface Row {
  cases: number;
  articles: number;
  value: number;
  [dimension: string]: string | number | boolean | null;
}

const MEASURES: { id: Measure; label: string }[] = [
  { id: "cases", label: "Cases" },
  { id: "articles", label: "Articles" },
  { id: "value", label: "Value (EUR)" },
];

const CATEGORIES = [
  "clothing",
  "shoes",
  "bags_and_personal_accessories",
  "watches",
  "jewellery",
  "mobile_phones_and_accessories",
  "electronics",
  "toys",
  "games",
  "sports_goods",
  "medicines",
  "body_care",
  "foodstuffs",
  "tobacco",
  "alcoholic_drinks",
  "packaging_material",
  "labels_and_tags",
  "other",
];
const IPR_TYPES = ["trademark", "design", "copyright", "patent", "geographical_indication", "plant_variety", "utility_model", "topography", "trade_name"];

interface Filters {
  from: string;
  to: string;
  office: string;
  product_category: string;
  ipr_type: string;
}

function query(groupBy: string, filters: Filters): Record<string, string> {
  const params: Record<string, string> = { group_by: groupBy };
  if (filters.from) params.from = filters.from;
  if (filters.to) params.to = filters.to;
  if (filters.office) params["filter[office]"] = filters.office;
  if (filters.product_category) params["filter[product_category]"] = filters.product_category;
  if (filters.ipr_type) params["filter[ipr_type]"] = filters.ipr_type;
  return params;
}

const label = (value: unknown) => (value === null || value === undefined || value === "" ? "unknown" : humanize(String(value)));
const countryName = (code: unknown) => (typeof code === "string" && code ? `${countries.getName(code, "en") ?? code} (${code})` : "unknown");
const format = (measure: Measure, value: number) => (measure === "value" ? `${value.toLocaleString("en", { maximumFractionDigits: 0 })} EUR` : value.toLocaleString("en"));

function Chart({ title, option, testId, height }: { title: string; option: EChartsCoreOption; testId: string; height?: number }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);
  useLayoutEffect(() => {
    if (!element.current) return;
    const chartElement = element.current;
    chart.current = echarts.init(chartElement, undefined, { renderer: "canvas" });
    // "finished": drawn and every animation ended (tests wait for it; so can
    // an export).
    chart.current.on("finished", () => {
      chartElement.dataset.state = "finished";
    });
    const resize = () => chart.current?.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.current?.dispose();
    };
  }, []);
  // Before paint, so "finished" never describes the previous option.
  useLayoutEffect(() => {
    if (element.current) element.current.dataset.state = "rendering";
    // No animation for those who ask the system for less motion.
    const reduced = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
    chart.current?.setOption(reduced ? { ...option, animation: false } : option, true);
  }, [option]);
  const download = () => {
    const url = chart.current?.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
    if (!url) return;
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = `cordon-${testId}.png`;
    anchor.click();
  };
  return (
    <section className="card" aria-label={title} data-testid={testId}>
      <header className="panel-header">
        <h2>{title}</h2>
        <button type="button" className="button link" onClick={download}>
          PNG
        </button>
      </header>
      <div ref={element} className="chart" style={height ? { height } : undefined} role="img" aria-label={title} />
    </section>
  );
}

// Each section's columns: its grouping keys in the order given (the server's
// JSON objects order their members alphabetically), then the measures.
function toCsv(sections: { title: string; keys: string[]; rows: Row[] }[]): string {
  const escape = (value: unknown) => {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines: string[] = [];
  for (const section of sections) {
    if (section.rows.length === 0) continue;
    const keys = section.keys;
    lines.push(`# ${section.title}`);
    lines.push([...keys, "cases", "articles", "value_eur"].join(","));
    for (const row of section.rows) lines.push([...keys.map((key) => escape(row[key])), row.cases, row.articles, row.value.toFixed(2)].join(","));
    lines.push("");
  }
  return lines.join("\n");
}

interface View {
  total: Row | undefined;
  time: Row[];
  origin: Row[];
  category: Row[];
  transport: Row[];
  flows: Row[];
}

export default function Statistics() {
  const me = useMe();
  const [filters, setFilters] = useState<Filters>({ from: "", to: "", office: "", product_category: "", ipr_type: "" });
  const [period, setPeriod] = useState<"month" | "quarter" | "year">("month");
  const [measure, setMeasure] = useState<Measure>("cases");
  const [view, setView] = useState<View>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    setError(undefined);
    const get = (groupBy: string) => api.get<{ rows: Row[] }>("/stats/seizures", query(groupBy, filters)).then((answer) => answer.rows);
    Promise.all([get(""), get(period), get("origin"), get("product_category"), get("transport_mode"), get("origin,destination")])
      .then(([total, time, origin, category, transport, flows]) => {
        if (!cancelled) setView({ total: total[0], time, origin, category, transport, flows });
      })
      .catch((reason: Error) => !cancelled && setError(reason))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [filters, period]);

  const options = useMemo(() => {
    if (!view) return null;
    registerWorld();
    const value = (row: Row) => row[measure];
    const palette = ["#1d4f86", "#f2a900", "#1e7a46", "#b3261e", "#6b4fa0", "#0f8b8d", "#8a5a00", "#56606e"];
    const time: EChartsCoreOption = {
      color: palette,
      tooltip: { trigger: "axis" },
      grid: { left: 60, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "category", data: view.time.map((row) => label(row[period])) },
      yAxis: { type: "value" },
      series: [{ type: "bar", name: humanize(measure), data: view.time.map(value) }],
    };
    const originMax = Math.max(1, ...view.origin.map(value));
    const map: EChartsCoreOption = {
      tooltip: { trigger: "item", formatter: (item: any) => `${countryName(item.name)}: ${Number.isFinite(item.value) ? format(measure, item.value) : "no seizures"}` },
      visualMap: { min: 0, max: originMax, left: 10, bottom: 10, calculable: true, inRange: { color: ["#e3edf8", "#1d4f86", "#12355b"] }, text: ["high", "low"] },
      series: [
        {
          type: "map",
          map: "world",
          roam: true,
          nameProperty: "name",
          emphasis: { label: { show: false }, itemStyle: { areaColor: "#f2c14e" } },
          itemStyle: { borderColor: "#fff", borderWidth: 0.4, areaColor: "#eef1f5" },
          data: view.origin.filter((row) => row.origin).map((row) => ({ name: row.origin, value: value(row) })),
        },
      ],
    };
    const category: EChartsCoreOption = {
      color: palette,
      tooltip: { trigger: "axis" },
      grid: { left: 190, right: 30, top: 10, bottom: 30 },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: view.category.map((row) => label(row.product_category)) },
      series: [{ type: "bar", name: humanize(measure), data: view.category.map(value) }],
    };
    const transport: EChartsCoreOption = {
      color: palette,
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], data: view.transport.map((row) => ({ name: label(row.transport_mode), value: value(row) })) }],
    };
    // Origins and destinations as separate nodes, so a country that is both
    // makes no cycle.
    const nodes = new Set<string>();
    const links = view.flows.map((row) => {
      const source = `${countryName(row.origin)} →`;
      const target = `→ ${countryName(row.destination)}`;
      nodes.add(source);
      nodes.add(target);
      return { source, target, value: value(row) };
    });
    const flows: EChartsCoreOption = {
      color: palette,
      tooltip: { trigger: "item" },
      series: [{ type: "sankey", left: 20, right: 180, data: [...nodes].map((name) => ({ name })), links, lineStyle: { color: "gradient", opacity: 0.4 }, label: { color: "#1b2430" } }],
    };
    return { time, map, category, transport, flows };
  }, [view, measure, period]);

  const exportCsv = () => {
    if (!view) return;
    const csv = toCsv([
      { title: "total", keys: [], rows: view.total ? [view.total] : [] },
      { title: `by ${period}`, keys: [period], rows: view.time },
      { title: "by origin", keys: ["origin"], rows: view.origin },
      { title: "by product category", keys: ["product_category"], rows: view.category },
      { title: "by transport mode", keys: ["transport_mode"], rows: view.transport },
      { title: "origin to destination", keys: ["origin", "destination"], rows: view.flows },
    ]);
    const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = "cordon-seizure-statistics.csv";
    anchor.click();
    URL.revokeObjectURL(url);
  };

  const set = (change: Partial<Filters>) => setFilters((current) => ({ ...current, ...change }));
  const notServed = error instanceof ApiError && error.status === 404;

  return (
    <section>
      <PageHeader title="Seizure statistics" subtitle={`${me.organisation.name}: detained goods, one record per goods line of each case (non-nominal).`}>
        <button type="button" className="button secondary" onClick={exportCsv} disabled={!view}>
          Export CSV
        </button>
      </PageHeader>
      <form className="filters card" onSubmit={(event) => event.preventDefault()} aria-label="Filters">
        <label>
          From <input type="date" value={filters.from} onChange={(event) => set({ from: event.target.value })} />
        </label>
        <label>
          To <input type="date" value={filters.to} onChange={(event) => set({ to: event.target.value })} />
        </label>
        <label>
          Office{" "}
          <select value={filters.office} onChange={(event) => set({ office: event.target.value })}>
            <option value="">all</option>
            {(me.organisation.offices ?? []).map((office) => (
              <option key={office}>{office}</option>
            ))}
          </select>
        </label>
        <label>
          Category{" "}
          <select data-filter="product_category" value={filters.product_category} onChange={(event) => set({ product_category: event.target.value })}>
            <option value="">all</option>
            {CATEGORIES.map((value) => (
              <option key={value} value={value}>
                {humanize(value)}
              </option>
            ))}
          </select>
        </label>
        <label>
          IPR type{" "}
          <select value={filters.ipr_type} onChange={(event) => set({ ipr_type: event.target.value })}>
            <option value="">all</option>
            {IPR_TYPES.map((value) => (
              <option key={value} value={value}>
                {humanize(value)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Period{" "}
          <select value={period} onChange={(event) => setPeriod(event.target.value as typeof period)}>
            <option value="month">month</option>
            <option value="quarter">quarter</option>
            <option value="year">year</option>
          </select>
        </label>
        <label>
          Measure{" "}
          <select value={measure} onChange={(event) => setMeasure(event.target.value as Measure)}>
            {MEASURES.map((item) => (
              <option key={item.id} value={item.id}>
                {item.label}
              </option>
            ))}
          </select>
        </label>
        {loading && view && <span className="muted">Updating…</span>}
      </form>
      {notServed ? (
        <Empty>This server does not offer seizure statistics yet.</Empty>
      ) : error ? (
        <ErrorBox error={error} />
      ) : !view || !options ? (
        <Loading label="Loading the statistics…" />
      ) : !view.total || view.total.cases === 0 ? (
        <Empty>No seizures match these filters.</Empty>
      ) : (
        <>
          <div className="totals" data-testid="stats-totals">
            {MEASURES.map((item) => (
              <div className="total" key={item.id} data-measure={item.id}>
                <div className="value">{format(item.id, view.total![item.id])}</div>
                <div className="label">{item.label}</div>
              </div>
            ))}
          </div>
          <div className="chart-grid">
            <Chart title={`Seizures by ${period}`} option={options.time} testId="chart-time" />
            <Chart title="By origin" option={options.map} testId="chart-origin" />
            <Chart title="By product category" option={options.category} testId="chart-category" />
            <Chart title="By transport mode" option={options.transport} testId="chart-transport" />
          </div>
          <Chart title="From origin to destination" option={options.flows} testId="chart-flows" height={420} />
        </>
      )}
    </section>
  );
}
