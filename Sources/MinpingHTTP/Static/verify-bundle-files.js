// The audit bundle as a file (part of the browser's verifier, verify-bundle.js; the /verify page
// and tools/tests/verify_bundle_node.mjs put verify-bundle-files.js, verify-bundle-json.js and
// verify-bundle.js together, in that order): a tar, a .tar.gz or a zipped folder opened into its
// members, each read at once or block by block, and entries.jsonl read a few lines at a time.
var VerifyBundleFiles = (function () {
  "use strict";
  // A bundle that cannot be read as one (not a tar or zip, damaged, cut short): said as it is.
  function Unreadable(message) { this.message = message; }

  // A member of a bundle: its bytes at once, or block by block (entries.jsonl, which is never
  // held whole: a city's log is hundreds of megabytes).
  function bytesSource(bytes) {
    return { size: bytes.length, bytes: function () { return Promise.resolve(bytes); },
             blocks: async function* () { yield bytes; } };
  }
  var BLOCK = 4 << 20;
  function blobSource(blob, deflated, size) {
    return {
      size: size,
      bytes: async function () {
        var raw = new Uint8Array(await blob.arrayBuffer());
        return deflated ? inflate(raw, "deflate-raw") : raw;
      },
      blocks: async function* () {
        if (deflated) {
          var reader = blob.stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
          for (;;) {
            var next = await reader.read();
            if (next.done) return;
            yield next.value;
          }
        }
        for (var at = 0; at < blob.size; at += BLOCK) yield new Uint8Array(await blob.slice(at, at + BLOCK).arrayBuffer());
      }
    };
  }
  // The lines of entries.jsonl as they are read, `count` at a time (null at the end): separated
  // by "\n", the last one's newline optional; no bytes, no entries (and a lone "\n" is no entry
  // either). `read` says how many bytes have been read so far.
  function lineReader(source, count) {
    var blocks = source.blocks(), carry = null, block = null, at = 0, ended = false, state = { read: 0, lines: 0 };
    function concat(a, b) { var out = new Uint8Array(a.length + b.length); out.set(a); out.set(b, a.length); return out; }
    state.next = async function () {
      var lines = [];
      while (lines.length < count) {
        if (block === null || at >= block.length) {
          if (ended) break;
          var next = await blocks.next();
          if (next.done) {
            ended = true;
            if (carry !== null && carry.length) lines.push(carry);
            carry = null;
            break;
          }
          block = next.value; at = 0; state.read += block.length;
          continue;
        }
        var end = block.indexOf(10, at);
        if (end < 0) { carry = carry === null ? block.subarray(at) : concat(carry, block.subarray(at)); at = block.length; continue; }
        var line = block.subarray(at, end);
        if (carry !== null) { line = concat(carry, line); carry = null; }
        lines.push(line);
        at = end + 1;
      }
      if (ended && state.read === 1 && state.lines === 0 && lines.length === 1 && lines[0].length === 0) lines = [];   // a lone "\n"
      state.lines += lines.length;
      return lines.length ? lines : null;
    };
    return state;
  }

  function text(bytes, at, length) {
    var end = at;
    while (end < at + length && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(at, end));
  }
  async function inflate(data, format) {
    var stream = new Blob([data]).stream().pipeThrough(new DecompressionStream(format));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  // A file read in windows of a megabyte or more: small members come out of the window, a large
  // one (entries.jsonl) stays a slice of the file, read block by block when its turn comes.
  function windowed(blob) {
    var start = 0, window = new Uint8Array(0);
    return {
      size: blob.size,
      read: async function (at, length) {
        if (at < start || at + length > start + window.length) {
          start = at;
          window = new Uint8Array(await blob.slice(at, at + Math.max(length, 1 << 20)).arrayBuffer());
        }
        return window.subarray(at - start, at - start + length);
      },
      member: async function (at, length, deflated, size) {
        if (length > SMALL) return blobSource(blob.slice(at, at + length), deflated, size);
        var raw = (await this.read(at, length)).slice();
        return bytesSource(deflated ? await inflate(raw, "deflate-raw") : raw);
      }
    };
  }
  var SMALL = 1 << 20;   // members up to this size are read at once
  // A POSIX tar (ustar, GNU long names, pax paths), as GET /bundle serves it and `tar cf` makes
  // it: a Map of its regular files by path.
  async function untar(file) {
    var files = new Map(), pos = 0, longName = null;
    while (pos + 512 <= file.size) {
      var header = await file.read(pos, 512);
      if (header.every(function (b) { return b === 0; })) break;
      var sizeText = text(header, 124, 12).trim(), size = sizeText ? parseInt(sizeText, 8) : 0;
      if (!/^[0-7]*$/.test(sizeText) || !Number.isFinite(size)) throw new Unreadable("not a tar file (a header at byte " + pos + " has no size)");
      if (pos + 512 + size > file.size) throw new Unreadable("the tar file is cut short");
      var type = header[156] === 0 ? "0" : String.fromCharCode(header[156]);
      var name = text(header, 0, 100), prefix = text(header, 257, 6) === "ustar" ? text(header, 345, 155) : "";
      if (type === "L") {
        longName = text(await file.read(pos + 512, size), 0, size);
      } else if (type === "x") {
        var records = new TextDecoder().decode(await file.read(pos + 512, size)), m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records);
        if (m) longName = m[1];
      } else {
        if (type === "5") files.set((prefix ? prefix + "/" + name : name).replace(/\/?$/, "/"), null);   // a folder
        if (type === "0" || type === "7") files.set(longName || (prefix ? prefix + "/" + name : name), await file.member(pos + 512, size, false, size));
        longName = null;
      }
      pos += 512 + Math.ceil(size / 512) * 512;
    }
    return files;
  }
  // A ZIP file (the exported folder zipped by Windows, macOS, WPS or `zip`): a Map of its files
  // by path; stored or deflated (inflated by the browser's DecompressionStream).
  async function unzip(file) {
    var tailStart = Math.max(0, file.size - 65557), tail = (await file.read(tailStart, file.size - tailStart)).slice(), end = -1;
    var view = new DataView(tail.buffer);
    for (var i = tail.length - 22; i >= 0; i--) {
      if (view.getUint32(i, true) === 0x06054b50) { end = i; break; }
    }
    if (end < 0) throw new Unreadable("not a ZIP file (no central directory)");
    var count = view.getUint16(end + 10, true), length = view.getUint32(end + 12, true), at = view.getUint32(end + 16, true);
    if (at === 0xffffffff || count === 0xffff) throw new Unreadable("a ZIP64 file: zip the folder again, or use the tar from the server");
    if (at + length > file.size) throw new Unreadable("the ZIP file's central directory is damaged");
    var directory = (await file.read(at, length)).slice(), dir = new DataView(directory.buffer), entries = [];
    for (var n = 0, p = 0; n < count; n++) {
      if (p + 46 > directory.length || dir.getUint32(p, true) !== 0x02014b50) throw new Unreadable("the ZIP file's central directory is damaged");
      var nameLength = dir.getUint16(p + 28, true);
      entries.push({ method: dir.getUint16(p + 10, true), compressed: dir.getUint32(p + 20, true), size: dir.getUint32(p + 24, true),
                     local: dir.getUint32(p + 42, true), name: new TextDecoder().decode(directory.subarray(p + 46, p + 46 + nameLength)) });
      p += 46 + nameLength + dir.getUint16(p + 30, true) + dir.getUint16(p + 32, true);
    }
    var files = new Map();
    for (var e of entries) {
      if (/(^|\/)__MACOSX\//.test(e.name)) continue;
      if (e.name.endsWith("/")) { files.set(e.name, null); continue; }   // a folder
      if (e.method !== 0 && e.method !== 8) throw new Unreadable(e.name + " is compressed with method " + e.method + ", which this page does not read");
      if (e.local + 30 > file.size) throw new Unreadable("the ZIP file is damaged at " + e.name);
      var local = await file.read(e.local, 30), lv = new DataView(local.buffer, local.byteOffset, 30);
      if (lv.getUint32(0, true) !== 0x04034b50) throw new Unreadable("the ZIP file is damaged at " + e.name);
      var start = e.local + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
      if (start + e.compressed > file.size) throw new Unreadable("the ZIP file is cut short at " + e.name);
      try { files.set(e.name, await file.member(start, e.compressed, e.method === 8, e.size)); }
      catch (error) { throw error instanceof Unreadable ? error : new Unreadable("the ZIP file is damaged at " + e.name); }
    }
    return files;
  }
  /**
   * A bundle file as the reviewer has it (a Blob: a File chosen or dropped, or a download), a
   * tar (GET /bundle), a .tar.gz, or the exported folder zipped: the Map readBundle takes, the
   * paths relative to the folder holding definition.json. Only small members are read here.
   */
  async function unpack(blob) {
    var file = windowed(blob), magic = await file.read(0, Math.min(4, blob.size));
    if (magic[0] === 0x1f && magic[1] === 0x8b) {
      try { file = windowed(new Blob([await inflate(new Uint8Array(await blob.arrayBuffer()), "gzip")])); }
      catch (e) { throw new Unreadable("the .gz file is damaged"); }
      magic = await file.read(0, Math.min(4, file.size));
    }
    var all = magic[0] === 0x50 && magic[1] === 0x4b ? await unzip(file) : await untar(file);
    var root = null;
    all.forEach(function (data, name) {
      name = name.replace(/^\.\//, "");
      if (name === "definition.json" || name.endsWith("/definition.json")) {
        var dir = name.slice(0, name.length - "definition.json".length);
        if (root === null || dir.length < root.length) root = dir;
      }
    });
    if (root === null) throw new Unreadable("no definition.json in the file: is it a Minping audit bundle (tar or zip)?");
    var files = new Map();
    all.forEach(function (data, name) {
      name = name.replace(/^\.\//, "");
      if (name.startsWith(root)) files.set(name.slice(root.length), data);
    });
    return files;
  }

  return { Unreadable: Unreadable, unpack: unpack, bytesSource: bytesSource, lineReader: lineReader };
})();
