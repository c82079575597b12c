--- Pure helpers on one suggestion: where it goes, what typing into it leaves, which piece a
--- partial accept takes. Positions are 0-based rows and byte columns, as extmarks use.
local M = {}

---@class qwen_lsp.Suggestion
---@field text string what to insert
---@field start_row integer
---@field start_col integer
---@field end_row integer the range [start, end) the text replaces
---@field end_col integer
---@field command? lsp.Command run after a full accept
---@field client_id integer
---@field item lsp.InlineCompletionItem as the server sent it
---@field after? string the rest of the line after the range, for a range on one line
---@field shown? boolean the server was told it was shown

--- A byte column from an LSP character in `encoding` (UTF-16 by default in LSP).
---@param line string
---@param character integer
---@param encoding string
local function byte_col(line, character, encoding)
  local ok, col = pcall(vim.str_byteindex, line, encoding, character, false)
  return ok and math.min(col, #line) or #line
end

--- A suggestion from an LSP inline completion item, anchored at the cursor.
--- Returns nil when the item does not fit what is in the buffer before the cursor.
---@param raw lsp.InlineCompletionItem
---@param get_line fun(row: integer): string
---@param encoding string the client's offset encoding
---@param cursor integer[] {row, col}, 0-based row and byte column
---@param client_id integer
---@return qwen_lsp.Suggestion|nil
function M.from_lsp(raw, get_line, encoding, cursor, client_id)
  local text = raw.insertText
  if type(text) == 'table' then
    text = text.value -- a snippet: shown and inserted as plain text
  end
  if type(text) ~= 'string' or text == '' then
    return nil
  end
  local row, col = cursor[1], cursor[2]
  local s = { text = text, command = raw.command, client_id = client_id, item = raw }
  if raw.range then
    local first, last = raw.range.start, raw.range['end']
    s.start_row, s.end_row = first.line, last.line
    s.start_col = byte_col(get_line(first.line), first.character, encoding)
    s.end_col = byte_col(get_line(last.line), last.character, encoding)
  else
    s.start_row, s.start_col, s.end_row, s.end_col = row, col, row, col
  end
  if s.start_row ~= row or s.start_col > col or (s.end_row == row and s.end_col < col) then
    return nil
  end
  if s.end_row == row then
    s.after = get_line(row):sub(s.end_col + 1)
  end
  -- An item may start before the cursor, repeating what is typed there: keep it only if it does.
  local typed = get_line(row):sub(s.start_col + 1, col)
  if typed ~= '' then
    if not M.starts_with(s.text, typed) then
      return nil
    end
    s.text, s.start_col = s.text:sub(#typed + 1), col
  end
  return s
end

--- Whether `text` starts with `typed` and goes on after it.
function M.starts_with(text, typed)
  return #typed < #text and text:sub(1, #typed) == typed
end

--- The suggestion after `typed` was inserted at its start and the cursor moved to {row, col};
--- nil when `typed` does not match the suggestion or used it all up.
---@param s qwen_lsp.Suggestion
---@param typed string
---@param row integer
---@param col integer
---@return qwen_lsp.Suggestion|nil
function M.advance(s, typed, row, col)
  if typed == '' then
    return s
  end
  if not M.starts_with(s.text, typed) then
    return nil
  end
  local moved = vim.deepcopy(s)
  moved.text = s.text:sub(#typed + 1)
  moved.start_row, moved.start_col = row, col
  if s.end_row == s.start_row then
    moved.end_row, moved.end_col = row, col + (s.end_col - s.start_col)
  else
    moved.end_row = s.end_row + (row - s.start_row)
  end
  return moved
end

--- After typing along `s` with an editor that auto-closes pairs, the closers it inserted sit
--- between the cursor and the rest of the line the suggestion was made for. When the suggestion's
--- line ends with them, it replaces them, so accepting it never doubles a bracket or a quote.
---@param s qwen_lsp.Suggestion the suggestion advanced to the cursor
---@param rest string the line after the cursor
---@return qwen_lsp.Suggestion
function M.cover_closers(s, rest)
  if s.end_row ~= s.start_row or not s.after or not vim.endswith(rest, s.after) then
    return s
  end
  local between = rest:sub(1, #rest - #s.after)
  local line = s.text:match('^[^\n]*')
  if between:match('^[%)%]}"\'`]*$') and vim.endswith(line, between) then
    s.end_col = s.start_col + #between
  end
  return s
end

--- How much of `text` a partial accept takes: the next word (with the blanks before it) or
--- the rest of the line (or the next line, when the text starts with a line break).
---@param text string
---@param kind 'word'|'line'
---@return string
function M.piece(text, kind)
  if kind == 'line' then
    local lead = text:match('^\n') or ''
    return lead .. (text:sub(#lead + 1):match('^[^\n]*'))
  end
  -- Bytes >= 0x80 belong to multibyte characters, so words never split a character.
  return text:match('^%s*[%w_\128-\255]+')
    or text:match('^%s*[^%w_%s\128-\255]+')
    or text:match('^%s+')
    or text
end

return M
