import Hummingbird
import MinpingCore
import MinpingStore
import MinpingService
import NIOCore

extension PagesController {
    /// The dispute reviewer's verifier: a static page (nothing from the server but the bundle, and
    /// that only when fetched from /verify/<id>) running every check of SPEC §5 in a Web Worker.
    @Sendable func verify(_ request: Request, context: MinpingContext) async throws -> Response {
        let language = Language(query: request.uri.queryParameters.get("lang"))
        var evaluation: (EvaluationRecord, EvaluationDefinition)?
        if context.parameters.get("id") != nil { evaluation = try await self.evaluation(request, context) }
        let assets = pages.verifyAssets
        let html = try pages.render(.verify, language: language, title: Labels.all(language)["verify_title"] ?? "", bodyClass: "verify-page", [
            PageModel.Verify(id: evaluation?.0.id, title: evaluation?.1.title,
                             labelsJSON: PageRenderer.scriptJSON(Labels.script(language, prefix: "verify_")),
                             inlineCSS: assets.css, tlogJS: assets.tlog, verifyJS: assets.verify, pageJS: assets.page),
        ])
        var headers = assets.headers
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
