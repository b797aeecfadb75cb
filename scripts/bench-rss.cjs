// Preloaded into the benchmarked CLI process (node --require): reports its peak RSS on
// exit, so the benchmark measures the real `mcu-gc trace` process, startup included.
process.on('exit', () => {
  process.stderr.write(`\nBENCH-MAXRSS-KB ${process.resourceUsage().maxRSS}\n`);
});
