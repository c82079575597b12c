--- What the user saw and took, told to the server as Copilot's clients tell theirs, so that
--- `qwen-lsp.stats` can give an acceptance rate. The server only counts; nothing leaves the
--- machine. A full accept is reported by running the item's command.
local M = {}

local function notify(client_id, method, params)
  local client = vim.lsp.get_client_by_id(client_id)
  if client then
    client:notify(method, params)
  end
end

--- A suggestion became visible.
---@param client_id integer
---@param item table the LSP inline completion item
function M.shown(client_id, item)
  notify(client_id, 'textDocument/didShowCompletion', { item = item })
end

--- Part of a suggestion (a word, a line) was inserted.
---@param client_id integer
---@param item table the LSP inline completion item
---@param text string what was inserted
function M.partially_accepted(client_id, item, text)
  -- LSP counts lengths in UTF-16 code units, whatever the position encoding.
  notify(client_id, 'textDocument/didPartiallyAcceptCompletion', {
    item = item,
    acceptedLength = vim.str_utfindex(text, 'utf-16'),
  })
end

return M
