/// A street's member list (花名册) read into the subjects of a definition (SPEC §7 `POST
/// /rosters`): row 1 holds the headers, every later row a member and the branch they belong
/// to. Rows come from a CSV or XLSX reader as text cells; this type knows nothing of files.
public struct Roster: Sendable, Equatable {
    public var organizations: [Organization]
    public var members: [Member]
    public var errors: [RowError]
    /// Each member's spreadsheet row, in the order of `members`.
    public var rows: [Int]
    /// Whether the ids came from the file's 编号 column (else they were numbered here).
    public var idsGiven: Bool

    /// A row left out of `members`, with the spreadsheet's own 1-based row number.
    public struct RowError: Sendable, Equatable {
        public var row: Int
        public var column: String
        public var message: String

        public init(row: Int, column: String, message: String) {
            self.row = row
            self.column = column
            self.message = message
        }
    }

    /// SPEC §7: more than this many member rows is refused whole.
    public static let maximumRows = 10_000

    /// The header aliases of SPEC §7, compared after trimming and ignoring case.
    static let nameHeaders = ["姓名", "name"]
    static let organizationHeaders = ["党支部", "所属党支部", "党组织", "organization"]
    static let idHeaders = ["编号", "id"]

    /// A roster as read elsewhere (the child process that parses uploads, STYLE 15).
    public init(organizations: [Organization], members: [Member], errors: [RowError], rows: [Int], idsGiven: Bool) {
        self.organizations = organizations
        self.members = members
        self.errors = errors
        self.rows = rows
        self.idsGiven = idsGiven
    }

    /// Reads `rows` (each a list of cells; `number` is the row's spreadsheet row number, so
    /// skipped blank rows keep later numbers right). Throws ``RosterError`` for a file that is
    /// not a roster at all; a bad row is an entry in `errors`.
    public init(rows: some Sequence<(number: Int, cells: [String])>) throws(RosterError) {
        var iterator = rows.makeIterator()
        guard let header = iterator.next(), header.number == 1 else { throw .noHeader }
        func column(_ aliases: [String]) -> (index: Int, title: String)? {
            for (index, cell) in header.cells.enumerated() {
                let title = cell.trimmingWhitespace
                if aliases.contains(where: { $0.lowercased() == title.lowercased() }) { return (index, title) }
            }
            return nil
        }
        guard let nameColumn = column(Self.nameHeaders), let organizationColumn = column(Self.organizationHeaders) else {
            throw .noHeader
        }
        let idColumn = column(Self.idHeaders)

        var organizations: [Organization] = []
        var organizationIDs: [String: String] = [:]
        var members: [Member] = []
        var errors: [RowError] = []
        var usedIDs: [String: Int] = [:]
        var rowCount = 0
        var memberRows: [Int] = []
        while let (number, cells) = iterator.next() {
            func cell(_ index: Int) -> String { index < cells.count ? cells[index].trimmingWhitespace : "" }
            if cells.allSatisfy({ $0.trimmingWhitespace.isEmpty }) { continue }
            rowCount += 1
            guard rowCount <= Self.maximumRows else { throw .tooManyRows }

            var problems: [RowError] = []
            let name = cell(nameColumn.index)
            if let problem = Self.nameProblem(name) {
                problems.append(RowError(row: number, column: nameColumn.title, message: "姓名\(problem)"))
            }
            let organizationName = cell(organizationColumn.index)
            if let problem = Self.nameProblem(organizationName) {
                problems.append(RowError(row: number, column: organizationColumn.title, message: "党支部\(problem)"))
            }
            let sequence = String(members.count + 1)
            var id = "m-" + String(repeating: "0", count: max(0, 3 - sequence.count)) + sequence
            if let idColumn {
                // Excel ids are often capitalised ("A01"): ids are kept in lower case.
                let given = cell(idColumn.index).lowercased()
                if given.isEmpty {
                    problems.append(RowError(row: number, column: idColumn.title, message: "编号为空"))
                } else if !DefinitionParser.isIdentifier(given) {
                    problems.append(RowError(row: number, column: idColumn.title,
                                             message: "编号“\(given)”只能由字母、数字、- 和 _ 组成（最多 64 个）"))
                } else if let first = usedIDs[given] {
                    problems.append(RowError(row: number, column: idColumn.title, message: "编号“\(given)”与第 \(first) 行重复"))
                } else {
                    usedIDs[given] = number
                }
                id = given
            }
            guard problems.isEmpty else {
                errors += problems
                continue
            }
            let organization: String
            if let known = organizationIDs[organizationName] {
                organization = known
            } else {
                organization = "o-\(organizations.count + 1)"
                organizationIDs[organizationName] = organization
                organizations.append(Organization(id: organization, name: organizationName))
            }
            members.append(Member(id: id, name: name, organization: organization))
            memberRows.append(number)
        }
        // Ids are unique across members and organizations (SPEC §2): a 编号 like "o-1" is refused.
        let taken = Set(organizations.map(\.id))
        for member in members where taken.contains(member.id) {
            errors.append(RowError(row: usedIDs[member.id] ?? 0, column: idColumn?.title ?? "编号",
                                   message: "编号“\(member.id)”与党支部的编号重复"))
        }
        let kept = zip(members, memberRows).filter { !taken.contains($0.0.id) }
        let used = Set(kept.compactMap(\.0.organization))
        self.members = kept.map(\.0)
        self.rows = kept.map(\.1)
        self.idsGiven = idColumn != nil
        self.organizations = organizations.filter { used.contains($0.id) }
        self.errors = errors.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
    }

    /// Why `text` cannot be a name (SPEC §2), in words that follow the field's name.
    static func nameProblem(_ text: String) -> String? {
        if text.isEmpty { return "为空" }
        if let bad = TextRules.forbidden(in: text) {
            return TextRules.isBidiControl(bad) ? "含有改变文字方向的控制字符（\(TextRules.codePoint(bad))）" : "含有控制字符（\(TextRules.codePoint(bad))）"
        }
        if TextRules.isBlank(text) { return "没有可见的文字（只有空格或零宽字符）" }
        if text.count > DefinitionParser.maximumTextLength {
            return "超过 \(DefinitionParser.maximumTextLength) 个字"
        }
        return nil
    }
}

/// A file that is not a roster at all: 422 `roster_invalid`.
public enum RosterError: Error, Sendable, Equatable, CustomStringConvertible {
    case noHeader
    case tooManyRows
    case unreadable(String)
    /// The parser did not answer: it crashed, ran out of its memory or CPU limit, or timed
    /// out. `detail` is for the log; the clerk sees a plain message.
    case parserDied(detail: String)

    public var description: String {
        switch self {
        case .noHeader:
            "第 1 行应为表头，至少包含“姓名”和“党支部”（或 name、organization）两列"
        case .tooManyRows:
            "名单超过 \(Roster.maximumRows) 行"
        case let .unreadable(reason):
            reason
        case .parserDied:
            "文件无法读取：它可能已损坏，或大得不像一份党员名单。请用 Excel 或 WPS 打开后“另存为”.xlsx 或 CSV UTF-8 再上传"
        }
    }
}
