/// A street's member list (花名册) read into the subjects of a definition (SPEC §7 `POST
/// /rosters`), as street offices keep it: a title row or two, then the header row (found among
/// the first 10 rows), then a member and the branch they belong to on every row, then footer
/// rows (合计, 制表人, 注：…). Rows come from a CSV or XLSX reader as text cells (merged cells
/// already filled in); this type knows nothing of files.
public struct Roster: Sendable, Equatable, Codable {
    public var organizations: [Organization]
    public var members: [Member]
    /// A roster of cadres (两级测评: 姓名 and 职务, no 党支部 column) fills this instead of
    /// `members` and `organizations`.
    public var cadres: [Cadre] = []
    public var errors: [RowError]
    /// Each member's (or cadre's) spreadsheet row, in the order of `members` (or `cadres`).
    public var rows: [Int]
    /// Whether the ids came from the file's 编号 column (else they were numbered here).
    public var idsGiven: Bool
    /// The header row's number (1 unless title rows come first).
    public var headerRow: Int
    /// Rows left out that are not errors: blank rows between members, rows with neither a name
    /// nor a branch, and footer rows.
    public var skipped: [SkippedRow]
    /// The worksheet read (XLSX), and every worksheet of the workbook in order.
    public var sheet: String?
    public var sheets: [String]

    /// A row left out of `members`, with the spreadsheet's own 1-based row number.
    public struct RowError: Sendable, Equatable, Codable {
        public var row: Int
        public var column: String
        public var message: String

        public init(row: Int, column: String, message: String) {
            self.row = row
            self.column = column
            self.message = message
        }
    }

    /// A row skipped on purpose, with why (in words for the clerk).
    public struct SkippedRow: Sendable, Equatable, Codable {
        public var row: Int
        public var reason: String

        public init(row: Int, reason: String) {
            self.row = row
            self.reason = reason
        }
    }

    /// SPEC §7: more than this many member rows is refused whole.
    public static let maximumRows = 10_000
    /// The header row is looked for among the first this many rows (SPEC §7).
    public static let headerSearchRows = 10

    /// The header spellings of SPEC §7 in real use, compared after removing spaces (姓  名) and a
    /// trailing colon or required mark, ignoring case. 序号 is a row number, never an id.
    static let nameHeaders = ["姓名", "党员姓名", "name"]
    static let organizationHeaders = ["党支部", "所属党支部", "所在党支部", "支部", "所在支部", "党支部名称", "党组织", "所属党组织",
                                      "organization", "branch"]
    static let idHeaders = ["编号", "id"]
    /// A cadre's position: a header with a name and one of these but no branch column is a
    /// roster of cadres.
    static let titleHeaders = ["职务", "职位", "岗位", "title", "position"]
    /// What a footer row starts with: totals, signatures, dates and notes under the table.
    static let footerMarks = ["合计", "总计", "小计", "制表人", "制表", "填表人", "填表日期", "审核人", "审核", "负责人", "注：", "注:",
                              "备注：", "说明：", "说明:"]

    /// A roster as read elsewhere (the child process that parses uploads, STYLE 15).
    public init(organizations: [Organization], members: [Member], errors: [RowError], rows: [Int], idsGiven: Bool,
                headerRow: Int = 1, skipped: [SkippedRow] = [], sheet: String? = nil, sheets: [String] = []) {
        self.organizations = organizations
        self.members = members
        self.errors = errors
        self.rows = rows
        self.idsGiven = idsGiven
        self.headerRow = headerRow
        self.skipped = skipped
        self.sheet = sheet
        self.sheets = sheets
    }

    /// A header cell as compared: no spaces of any kind, no trailing colon or `*`, lower case.
    static func headerKey(_ cell: String) -> String {
        var key = String(cell.unicodeScalars.filter { !$0.properties.isWhitespace && !TextRules.isInvisible($0) })
        while let last = key.last, "：:*＊".contains(last) { key.removeLast() }
        while let first = key.first, "*＊".contains(first) { key.removeFirst() }
        return key.lowercased()
    }

    /// The name, branch (or, for cadres, 职务) and id columns of a header row, or nil if it has
    /// no name with a branch or a 职务.
    static func columns(of cells: [String]) -> (name: (Int, String), organization: (Int, String), id: (Int, String)?, cadres: Bool)? {
        func column(_ aliases: [String]) -> (Int, String)? {
            for (index, cell) in cells.enumerated() where aliases.contains(headerKey(cell)) {
                return (index, cell.trimmingWhitespace)
            }
            return nil
        }
        guard let name = column(nameHeaders) else { return nil }
        if let organization = column(organizationHeaders) { return (name, organization, column(idHeaders), false) }
        if let title = column(titleHeaders) { return (name, title, column(idHeaders), true) }
        return nil
    }

    /// Reads `rows` (each a list of cells; `number` is the row's spreadsheet row number, so
    /// skipped blank rows keep later numbers right). Throws ``RosterError`` for a file that is
    /// not a roster at all (no header row among the first 10); a bad row is an entry in `errors`.
    public init(rows: some Sequence<(number: Int, cells: [String])>) throws(RosterError) {
        var iterator = rows.makeIterator()
        var seen: [(number: Int, cells: [String])] = []
        var found: (number: Int, columns: (name: (Int, String), organization: (Int, String), id: (Int, String)?, cadres: Bool))?
        while found == nil, let row = iterator.next() {
            guard row.number <= Self.headerSearchRows else {
                throw .noHeader(Self.headerHint(seen))
            }
            seen.append(row)
            if let columns = Self.columns(of: row.cells) { found = (row.number, columns) }
        }
        guard let (headerRow, columns) = found else { throw .noHeader(Self.headerHint(seen)) }
        let nameColumn = columns.name, organizationColumn = columns.organization, idColumn = columns.id
        let cadreRoster = columns.cadres
        var cadres: [Cadre] = []

        var organizations: [Organization] = []
        var organizationIDs: [String: String] = [:]
        var members: [Member] = []
        var errors: [RowError] = []
        var skipped: [SkippedRow] = []
        var pendingBlank: [Int] = []
        var usedIDs: [String: Int] = [:]
        var rowCount = 0
        var memberRows: [Int] = []
        var inFooter = false
        while let (number, cells) = iterator.next() {
            func cell(_ index: Int) -> String { index < cells.count ? cells[index].trimmingWhitespace : "" }
            if cells.allSatisfy({ $0.trimmingWhitespace.isEmpty }) {
                if !inFooter { pendingBlank.append(number) }
                continue
            }
            // Footer rows (合计, 制表人, 注：…) are skipped; after one, so are the lines that go on
            // without a name or a branch (a note's second line). A row with both is never
            // dropped quietly: it is a member again, or an error.
            let name = cell(nameColumn.0), organizationName = cell(organizationColumn.0)
            let first = cells.first { !$0.trimmingWhitespace.isEmpty }.map { Self.headerKey($0) } ?? ""
            if Self.footerMarks.contains(where: { first.hasPrefix(Self.headerKey($0)) })
                || (inFooter && (name.isEmpty || organizationName.isEmpty)) {
                inFooter = true
                skipped.append(SkippedRow(row: number, reason: "表尾（合计、制表人、注等）"))
                continue
            }
            inFooter = false
            if name.isEmpty, organizationName.isEmpty {
                // A numbered template row, or a row of other columns only: not a member.
                pendingBlank.append(number)
                continue
            }
            skipped += pendingBlank.map { SkippedRow(row: $0, reason: "空行（没有姓名和党支部）") }
            pendingBlank = []
            rowCount += 1
            guard rowCount <= Self.maximumRows else { throw .tooManyRows }

            var problems: [RowError] = []
            if let problem = Self.nameProblem(name) {
                problems.append(RowError(row: number, column: nameColumn.1, message: "姓名\(problem)"))
            }
            // A cadre's 职务 may be left empty; a member's branch may not.
            if !(cadreRoster && organizationName.isEmpty), let problem = Self.nameProblem(organizationName) {
                problems.append(RowError(row: number, column: organizationColumn.1, message: (cadreRoster ? "职务" : "党支部") + problem))
            }
            let sequence = String((cadreRoster ? cadres.count : members.count) + 1)
            var id = cadreRoster ? "c-" + String(repeating: "0", count: max(0, 2 - sequence.count)) + sequence
                : "m-" + String(repeating: "0", count: max(0, 3 - sequence.count)) + sequence
            if let idColumn {
                // Excel ids are often capitalised ("A01"): ids are kept in lower case.
                let given = cell(idColumn.0).lowercased()
                if given.isEmpty {
                    problems.append(RowError(row: number, column: idColumn.1, message: "编号为空"))
                } else if !DefinitionParser.isIdentifier(given) {
                    problems.append(RowError(row: number, column: idColumn.1,
                                             message: "编号“\(given)”只能由字母、数字、- 和 _ 组成（最多 64 个）"))
                } else if let first = usedIDs[given] {
                    problems.append(RowError(row: number, column: idColumn.1, message: "编号“\(given)”与第 \(first) 行重复"))
                } else {
                    usedIDs[given] = number
                }
                id = given
            }
            guard problems.isEmpty else {
                errors += problems
                continue
            }
            if cadreRoster {
                cadres.append(Cadre(id: id, name: name, title: organizationName.isEmpty ? nil : organizationName))
                memberRows.append(number)
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
            errors.append(RowError(row: usedIDs[member.id] ?? 0, column: idColumn?.1 ?? "编号",
                                   message: "编号“\(member.id)”与党支部的编号重复"))
        }
        let kept = zip(members, memberRows).filter { !taken.contains($0.0.id) }
        let used = Set(kept.compactMap(\.0.organization))
        self.members = kept.map(\.0)
        self.cadres = cadres
        self.rows = cadreRoster ? memberRows : kept.map(\.1)
        self.idsGiven = idColumn != nil
        self.organizations = organizations.filter { used.contains($0.id) }
        self.errors = errors.sorted { ($0.row, $0.column) < ($1.row, $1.column) }
        self.headerRow = headerRow
        self.skipped = skipped.sorted { $0.row < $1.row }
        sheet = nil
        sheets = []
    }

    /// What the first rows held, for a refusal that says what was found and what would work.
    static func headerHint(_ seen: [(number: Int, cells: [String])]) -> String {
        let wanted = "需要一列姓名（可写作 姓名、党员姓名）和一列党支部（可写作 党支部、所属党支部、所在党支部、支部、所在支部、党组织……）；"
            + "干部名单（两级测评）需要一列姓名和一列职务"
        guard let sample = seen.first(where: { $0.cells.filter { !$0.trimmingWhitespace.isEmpty }.count >= 2 })
                ?? seen.first(where: { $0.cells.contains { !$0.trimmingWhitespace.isEmpty } })
        else { return "第 1–\(headerSearchRows) 行都是空的，没有找到表头。\(wanted)" }
        let cells = sample.cells.map(\.trimmingWhitespace).filter { !$0.isEmpty }
        let shown = cells.prefix(6).map { String($0.prefix(20)) }.joined(separator: "、") + (cells.count > 6 ? "……" : "")
        return "第 1–\(headerSearchRows) 行里没有找到表头。第 \(sample.number) 行是：\(shown)；\(wanted)"
    }

    /// The rows with errors, as at most a few sentences ("第 4–17 行的党支部是空的：是不是合并了
    /// 单元格？"): consecutive rows with the same problem are one range.
    public var errorSummary: [String] {
        var groups: [(first: Int, last: Int, column: String, message: String)] = []
        for error in errors {
            if var last = groups.last, last.column == error.column, last.message == error.message, error.row <= last.last + 1 {
                last.last = error.row
                groups[groups.count - 1] = last
            } else {
                groups.append((error.row, error.row, error.column, error.message))
            }
        }
        return groups.prefix(5).map { group in
            let rows = group.first == group.last ? "第 \(group.first) 行" : "第 \(group.first)–\(group.last) 行"
            switch group.message {
            case "党支部为空": return "\(rows)的党支部是空的：是不是同一个党支部只在第一行写了一次？请在每一行填上党支部，或把这几行的党支部单元格合并"
            case "姓名为空": return "\(rows)的姓名是空的"
            default: return "\(rows)：\(group.message)"
            }
        } + (groups.count > 5 ? ["……另有 \(groups.count - 5) 处"] : [])
    }

    /// The rows with errors.
    public var errorRows: Int { Set(errors.map(\.row)).count }

    /// Whether creating the evaluation without the rows in error is offered (略去有错误的行):
    /// not when more than 3 rows, or more than a tenth of the rows, have errors — then the file
    /// is more likely read wrongly than a few rows wrong, and leaving them out would quietly
    /// make an evaluation of part of the members.
    public var partialAllowed: Bool {
        errorRows <= 3 && errorRows * 10 <= errorRows + members.count + cadres.count
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
public enum RosterError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// No header row among the first 10: what the rows held and what would work.
    case noHeader(String)
    case tooManyRows
    case unreadable(String)
    /// The parser did not answer: it crashed, ran out of its memory or CPU limit, or timed
    /// out. `detail` is for the log; the clerk sees a plain message.
    case parserDied(detail: String)

    public var description: String {
        switch self {
        case let .noHeader(hint):
            hint
        case .tooManyRows:
            "名单超过 \(Roster.maximumRows) 行"
        case let .unreadable(reason):
            reason
        case .parserDied:
            "文件无法读取：它可能已损坏，或大得不像一份党员名单。请用 Excel 或 WPS 打开后“另存为”.xlsx 或 CSV UTF-8 再上传"
        }
    }
}
