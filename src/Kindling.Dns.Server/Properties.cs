using System.Runtime.CompilerServices;

// The query path stackallocs name and key buffers that it always writes before reading; skipping their zeroing saves
// work on every query.
[module: SkipLocalsInit]
