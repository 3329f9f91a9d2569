/// A stored checkpoint with witness cosignature lines appended (SPEC §5): the log's note is
/// kept as it was signed, and each cosignature line goes after its signature lines.
public enum CosignedNote {
    /// `note` (ending in a newline) with each of `lines` it does not carry yet appended.
    public static func appending(_ lines: [String], to note: String) -> String {
        var note = note
        var present = Set(note.split(separator: "\n").map(String.init))
        for line in lines where !line.isEmpty && !line.contains("\n") && !present.contains(line) {
            note += line + "\n"
            present.insert(line)
        }
        return note
    }
}
