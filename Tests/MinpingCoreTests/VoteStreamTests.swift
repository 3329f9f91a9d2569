import Foundation
@testable import MinpingCore
import PropertyBased
import Testing

@Suite("Votes files (JSON Lines)")
struct VoteStreamTests {
    static func tally(_ text: String, definition: EvaluationDefinition = Fixtures.definition(), chunk: Int = 1 << 16) throws -> Tally {
        var stream = VoteStream(definition: definition)
        let bytes = Array(text.utf8)
        var start = 0
        repeat {
            let end = min(start + chunk, bytes.count)
            try bytes[start..<end].withUnsafeBytes { try stream.feed($0) }
            start = end
        } while start < bytes.count
        return try stream.finish()
    }

    static func lineError(_ text: String) -> VoteLineError? {
        do {
            _ = try tally(text)
            return nil
        } catch {
            return error as? VoteLineError
        }
    }

    @Test("lines are counted as ballots; blank lines, CRLF, a BOM and a missing last newline are fine")
    func basics() throws {
        let text = "\u{FEFF}{\"ratings\":{\"m1\":\"satisfied\"}}\r\n\n  \n{ \"ratings\" : { \"m1\" : \"unknown\" , \"o1\":\"dissatisfied\" } }"
        let tally = try Self.tally(text)
        #expect(tally.ballots == 2)
        #expect(tally.count(subject: 0, option: 0) == 1)
        #expect(tally.count(subject: 0, option: 3) == 1)
        #expect(tally.count(subject: 3, option: 2) == 1)
    }

    @Test("an empty ratings object is a ballot that leaves everyone blank; a token is ignored")
    func emptyAndToken() throws {
        let tally = try Self.tally("{\"ratings\":{}}\n{\"token\":\"AAEC\",\"ratings\":{\"m2\":\"satisfied\"}}\n")
        #expect(tally.ballots == 2)
        #expect(tally.count(subject: 1, option: 0) == 1)
    }

    @Test("escaped ids are decoded before lookup")
    func escapes() throws {
        let tally = try Self.tally(#"{"ratings":{"\u006d1":"satis\u0066ied","m\u0032":"unknow\u006e","\u006f1":"satisfied"}}"# + "\n")
        #expect(tally.count(subject: 0, option: 0) == 1)
        #expect(tally.count(subject: 1, option: 3) == 1)
        #expect(tally.count(subject: 3, option: 0) == 1)
        #expect(throws: VoteLineError.self) { _ = try Self.tally(#"{"ratings":{"m1":"un\/known"}}"#) }
    }

    struct BadLine: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var line: Int
        var error: VoteError
        var testDescription: String { name }
    }

    static let good = #"{"ratings":{"m1":"satisfied"}}"# + "\n"
    static let badLines: [BadLine] = [
        BadLine(name: "unknown subject", text: good + "\n" + #"{"ratings":{"m9":"satisfied"}}"#, line: 3,
                error: .unknownSubject("m9")),
        BadLine(name: "unknown option", text: good + #"{"ratings":{"m1":"great"}}"#, line: 2,
                error: .unknownOption(subject: "m1", option: "great")),
        BadLine(name: "subject rated twice", text: #"{"ratings":{"m1":"satisfied","m1":"unknown"}}"#, line: 1,
                error: .subjectRatedTwice("m1")),
        BadLine(name: "missing ratings", text: good + "{}\n", line: 2, error: .malformed("missing \"ratings\"")),
        BadLine(name: "unknown key", text: #"{"rating":{}}"#, line: 1,
                error: .malformed("unknown key 'rating' (a vote line is {\"ratings\":{...}})")),
        BadLine(name: "ratings twice", text: #"{"ratings":{},"ratings":{}}"#, line: 1,
                error: .malformed("\"ratings\" is given twice")),
        BadLine(name: "not an object", text: "[1,2]\n", line: 1,
                error: .malformed("a vote line must be a JSON object {\"ratings\":{...}}")),
        BadLine(name: "truncated line", text: good + #"{"ratings":{"m1":"sat"# + "\n", line: 2,
                error: .malformed("the line ends inside a string")),
        BadLine(name: "trailing garbage", text: good + good + #"{"ratings":{}} x"#, line: 3,
                error: .malformed("unexpected text after the closing '}'")),
        BadLine(name: "a rating that is not a string", text: #"{"ratings":{"m1":1}}"#, line: 1,
                error: .malformed("expected a string in double quotes")),
        BadLine(name: "ratings not an object", text: #"{"ratings":null}"#, line: 1,
                error: .malformed("\"ratings\" must be an object of subject id to option id")),
    ]

    @Test("a bad line is refused with its line number and reason", arguments: badLines)
    func badLine(_ bad: BadLine) {
        let error = Self.lineError(bad.text)
        #expect(error == VoteLineError(line: bad.line, error: bad.error))
    }

    @Test("an endless line is refused instead of buffered without end")
    func overlongLine() {
        let error = Self.lineError(String(repeating: " ", count: VoteStream.maximumLineBytes + 10))
        #expect(error?.line == 1)
    }

    static let linesGen = Gen.int(in: -1...3).array(of: 4).array(of: 0...30)

    static func render(_ ballots: [[Int]], style: Int, definition: EvaluationDefinition) -> String {
        let subjects = definition.subjects
        return ballots.enumerated().map { index, ballot in
            let pairs = ballot.enumerated().compactMap { subject, option -> String? in
                guard option >= 0, subject < subjects.count else { return nil }
                var id = subjects[subject].id
                if (style + index) % 3 == 0 { id = id.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined() }
                let space = (style + index) % 2 == 0 ? " " : ""
                return "\(space)\"\(id)\"\(space):\(space)\"\(definition.options[option].id)\"\(space)"
            }
            return "{\"ratings\":{\(pairs.joined(separator: ","))}}"
        }.joined(separator: style % 4 == 0 ? "\r\n" : "\n") + (style % 5 == 0 ? "" : "\n")
    }

    @Test("the tally does not depend on where chunks split the file", .tags(.property))
    func chunkIndependence() async {
        let definition = Fixtures.definition()
        await propertyCheck(count: 150, input: Self.linesGen, Gen.int(in: 1...200), Gen.int(in: 0...100)) { ballots, chunk, style in
            let text = Self.render(ballots, style: style, definition: definition)
            let whole = try? Self.tally(text, definition: definition)
            let pieces = try? Self.tally(text, definition: definition, chunk: chunk)
            #expect(whole?.results() == pieces?.results())
            #expect(whole?.ballots == ballots.count)
        }
    }

    @Test("the streaming reader agrees with Foundation's JSON parser", .tags(.property))
    func agreesWithFoundation() async {
        let definition = Fixtures.definition()
        await propertyCheck(count: 150, input: Self.linesGen, Gen.int(in: 0...100)) { ballots, style in
            let text = Self.render(ballots, style: style, definition: definition)
            var reference = Tally(definition: definition)
            for line in text.split(whereSeparator: \.isNewline) where !line.allSatisfy(\.isWhitespace) {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                let ratings = object?["ratings"] as? [String: String] ?? [:]
                try? reference.add(ratings: ratings)
            }
            let streamed = try? Self.tally(text, definition: definition)
            #expect(streamed?.results() == reference.results())
        }
    }
}
